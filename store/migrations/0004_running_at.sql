-- 0004_running_at: when a session became running. Its duration (what a player is billed for)
-- counts from here to its end, not from the launch: queueing, the image pull and the start are
-- not play (docs/decisions.md). NULL: it never ran, or it ended before this column existed
-- (the loader counts those that ran from started_at, as they were billed then, rather than
-- this migration rewriting the whole table).
ALTER TABLE sessions ADD COLUMN running_at timestamptz;
-- Held for every row written from now on; NOT VALID skips a scan of the old rows (all NULL).
ALTER TABLE sessions ADD CONSTRAINT sessions_running_after_start
  CHECK (running_at IS NULL OR running_at >= started_at) NOT VALID;

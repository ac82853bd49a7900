-- 0004_running_at: when a session became running. Its duration (what a player is billed for)
-- counts from here to its end, not from the launch: queueing, the image pull and the start are
-- not play (docs/decisions.md). NULL: it never ran.
ALTER TABLE sessions ADD COLUMN running_at timestamptz;
-- Held for every row written from now on, the backfill below included; NOT VALID skips a
-- second scan of the table.
ALTER TABLE sessions ADD CONSTRAINT sessions_running_after_start
  CHECK (running_at IS NULL OR running_at >= started_at) NOT VALID;
-- Rows written before this migration: a server was recorded only for a session that ran, and
-- such a session was billed from its launch. It keeps that duration. From now on a server is
-- also recorded when a start reaches `creating`, so after this backfill only running_at says
-- whether a session ran.
UPDATE sessions SET running_at = started_at WHERE server IS NOT NULL AND running_at IS NULL;

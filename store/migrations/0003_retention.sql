-- 0003_retention: what the retention sweep needs (docs/retention.md,
-- store/durable/retention_sweep.h).
--
-- Ended sessions in the order they ended. The sweep walks this index from a mark kept in
-- `settings`, a few hundred rows per statement, so each sweep reads only what ended since the
-- last one, however long the history is. Partial, so active sessions are not in it.
CREATE INDEX sessions_ended ON sessions (ended_at, id) WHERE ended_at IS NOT NULL;

-- A player's sessions newest first, now with the id: the sweep finds the newest ended session
-- beyond the kept ones, and those older, from the index alone (an index-only scan), rather than
-- visiting a hundred rows of the table per player. Replaces sessions_by_player_newest, which
-- it covers (history, newest first; deleting a player).
CREATE INDEX sessions_by_player_ended ON sessions (player_id, ended_at DESC, id DESC);
DROP INDEX sessions_by_player_newest;

-- Token sessions get no index on expires_at: it is written back lazily with every use, and an
-- index would make each of those updates write an entry into every index of the table. The
-- sweep walks the primary key instead (random seeds: the walk covers the table evenly).

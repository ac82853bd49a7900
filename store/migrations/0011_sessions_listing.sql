-- 0011_sessions_listing: the operator's listing of ended sessions (GET /operator/sessions,
-- docs/operator-api.md "Sessions") is read from this table on the I/O core, newest first by
-- launch: WHERE ended_at IS NOT NULL ... ORDER BY started_at DESC, id DESC LIMIT $n. Without an
-- index in that order, the listing without filters would read and sort every ended session the
-- database keeps (up to 100 per player) to return a hundred; with it, it reads the first rows of
-- this index and stops. Partial, so active sessions (whose status changes often) never write
-- an entry here. A listing by player uses sessions_by_player_ended (0003) instead: at most the
-- 100 rows kept of that player, sorted. Filters on game, server or status alone walk this index
-- and skip what does not match. Built in the migration's transaction (CONCURRENTLY cannot run
-- in one): writes to `sessions` wait while it is built, once, at the upgrade's first start.
CREATE INDEX sessions_ended_by_launch ON sessions (started_at DESC, id DESC)
  WHERE ended_at IS NOT NULL;

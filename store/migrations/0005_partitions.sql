-- 0005_partitions: rows name their player's partition (model/partition.h, docs/cluster.md),
-- the unit of ownership between nodes, instead of the shard of one node.
--
-- `partition` is partition_of_player(player_id), 0..1023, fixed for the life of a deployment.
-- PostgreSQL cannot compute ringside's player hash, so rows written before this migration keep
-- `partition` NULL here and the node fills it at start, before it loads anything
-- (store/durable/state_loader.h); from then on every row has one, and a node loads a partition's
-- rows through the indexes below. New rows are written with their partition.
--
-- `shard` is no longer written (NULL on new rows). On a row written before this migration it
-- stays what it was: the shard the player had on the node that wrote it, which a legacy token
-- (minted with that shard in its text) needs to be derived again (token_sessions), and which
-- no load reads any more otherwise.
ALTER TABLE players ADD COLUMN partition smallint
  CHECK (partition >= 0 AND partition < 1024);
ALTER TABLE token_sessions ADD COLUMN partition smallint
  CHECK (partition >= 0 AND partition < 1024);
ALTER TABLE save_slots ADD COLUMN partition smallint
  CHECK (partition >= 0 AND partition < 1024);
ALTER TABLE sessions ADD COLUMN partition smallint
  CHECK (partition >= 0 AND partition < 1024);

ALTER TABLE players ALTER COLUMN shard DROP NOT NULL;
ALTER TABLE token_sessions ALTER COLUMN shard DROP NOT NULL;
ALTER TABLE save_slots ALTER COLUMN shard DROP NOT NULL;
ALTER TABLE sessions ALTER COLUMN shard DROP NOT NULL;

-- Loading a set of partitions (start-up, a partition taken over from another node). They
-- replace the by-shard indexes, which no query reads any more.
CREATE INDEX players_by_partition ON players (partition);
CREATE INDEX token_sessions_by_partition ON token_sessions (partition);
CREATE INDEX save_slots_by_partition ON save_slots (partition);
-- Partial, as sessions_active_by_shard was: as small as the number of sessions running.
CREATE INDEX sessions_active_by_partition ON sessions (partition)
  WHERE status IN ('starting', 'running', 'stopping');
DROP INDEX players_by_shard;
DROP INDEX token_sessions_by_shard;
DROP INDEX save_slots_by_shard;
DROP INDEX sessions_active_by_shard;

-- The start-up fill: the rows it still has to give a partition, and nothing once it is done.
CREATE INDEX players_without_partition ON players (id) WHERE partition IS NULL;
CREATE INDEX token_sessions_without_partition ON token_sessions (seed) WHERE partition IS NULL;
CREATE INDEX save_slots_without_partition ON save_slots (id) WHERE partition IS NULL;
CREATE INDEX sessions_without_partition ON sessions (id) WHERE partition IS NULL;

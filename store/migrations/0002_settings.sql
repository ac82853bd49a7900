-- 0002_settings: facts about the deployment that every node must agree on.
--
-- `shards`: the shard count the rows were written with. Ids and rows carry their owning shard
-- (players are hashed over the shard count), so a node started with another count would look
-- for everything in the wrong place; it refuses to start instead (store/durable/state_loader.h).
CREATE TABLE settings (
  key   text PRIMARY KEY,
  value text NOT NULL
);

ALTER TABLE catalog ADD COLUMN save_dir text NOT NULL DEFAULT '/save';

-- 0006_cluster: the nodes of a cluster (docs/cluster.md). A node owns partition p while its
-- write connection, whose pid is backend_pid, holds the advisory lock (1380532807, p); this
-- table says which connection is whose, and whether its node is alive. heartbeat_at is always
-- the database's now(), never a node's clock: survivors compare it with their own now().
CREATE TABLE cluster_nodes (
  node_id text PRIMARY KEY CHECK (node_id ~ '^[a-z0-9-]{1,32}$'),
  advertise text NOT NULL,
  backend_pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  leaving boolean NOT NULL DEFAULT false
);

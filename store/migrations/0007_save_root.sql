-- 0007_save_root: a Docker-backed node of a cluster writes a random value, new each start, to
-- <save-root>/.ringside-nodes/<node id> before it registers, and the same value here. A node
-- that starts reads each peer's marker in its own save root and compares: a missing or other
-- value means the nodes do not share --save-root (docs/cluster.md, "The save root is
-- checked"). NULL: a node whose backend keeps no files there (or of a version before this).
ALTER TABLE cluster_nodes ADD COLUMN save_root_nonce text;

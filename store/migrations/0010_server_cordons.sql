-- 0010_server_cordons: the operator's cordons and drains (docs/operator-api.md, "Servers"),
-- one row per cordoned game server, by its --fleet name. Every node reads the table at start
-- and once a round and converges its placement to it, so a cordon outlives the node that was
-- asked and holds for every node of a cluster. drain_deadline (NULL: a cordon alone) is when
-- the server's sessions are stopped; both times are the database's clock, so nodes with
-- skewed clocks agree on it. An uncordon deletes the row.
CREATE TABLE server_cordons (
  server text PRIMARY KEY,
  cordoned_at timestamptz NOT NULL DEFAULT now(),
  drain_deadline timestamptz NULL
);

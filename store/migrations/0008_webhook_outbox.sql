-- 0008_webhook_outbox: webhook events not yet delivered to every URL (docs/webhooks.md).
--
-- A row is inserted in the same transaction as the state change it reports (a session became
-- running, stopped or failed), so a crash loses no event; the sender deletes it once every URL
-- answered 2xx (or after 24 h of retries). At start, and as memory frees, the undelivered rows
-- are read back oldest first (by seq). `partition` is the session's player's partition, the
-- unit of ownership between nodes: the node that owns it delivers its rows.
CREATE TABLE webhook_outbox (
  seq bigserial PRIMARY KEY,
  id text NOT NULL UNIQUE,
  session_id text NOT NULL,
  partition smallint NOT NULL CHECK (partition >= 0 AND partition < 1024),
  body text NOT NULL,
  made_at timestamptz NOT NULL
);
CREATE INDEX webhook_outbox_by_partition ON webhook_outbox (partition, seq);

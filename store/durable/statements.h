#pragma once
// Every statement ringside writes its durable state with (schema: store/migrations), prepared
// once per connection. Shards name them in write intents; times travel as Unix milliseconds,
// figures as doubles (NULL when unknown), token hashes and seeds as bytea.
#include <cstdint>
#include <vector>

#include "store/pg/pg_connection.h"

namespace ringside {

enum StatementId : uint8_t {
  // $1 player id, $2 partition
  kStmtUpsertPlayer,
  // $1 seed, $2 player id, $3 partition, $4 game slug or NULL, $5 generation, $6 token hash,
  // $7 previous hash or NULL, $8 previous dead at (ms) or NULL, $9 expires at (ms)
  kStmtUpsertToken,
  // $1 slot id, $2 player id, $3 partition, $4 game slug, $5 created at (ms)
  kStmtInsertSlot,
  // $1 session id, $2 player id, $3 partition, $4 game slug, $5 slot id, $6 started at (ms).
  // Inserts nothing if the player has an active session in the database already.
  kStmtInsertSession,
  // $1 session id, $2 status, $3 phase or NULL, $4 server name or NULL, $5 ended at (ms) or
  // NULL, $6 end reason or NULL, $7 error code or NULL, $8 cpu seconds, $9 peak memory MB,
  // $10 the session's own server URL or NULL (hosted backends), $11 running at (ms) or NULL,
  // $12 last keepalive (ms) or NULL (an end sends it)
  kStmtUpdateSession,
  // $1 slot id, $2 size bytes, $3 updated at (ms)
  kStmtUpdateSlot,
  // $1 session ids as a text[] literal, $2 last keepalive times (ms) as a bigint[] literal
  kStmtTouchSessions,
  // $1 token seeds (hex) as a text[] literal, $2 expiry times (ms) as a bigint[] literal
  kStmtTouchTokens,
  // $1 session id: a launch whose 202 was never given (its commit failed or is unknown)
  kStmtAbandonSession,
  // $1 game slug, $2 cpu cores, $3 memory MB, $4 cpu samples, $5 memory samples
  kStmtUpsertProfile,
  // $1 the new session's id, $2 player id: ends any other session the database still holds
  // active for the player. The owner shard's memory is the authority on a player's one active
  // session; a row left active by a write that never landed must not block the next launch.
  kStmtEndStaleActive,
  // $1 slot id: a slot made by a launch that was undone, if nothing was saved in it
  kStmtDropEmptySlot,
  // The retention sweep (retention_sweep.h), one batch of each: $1 rows looked at per table,
  // $2 ended sessions kept per player, $3 how long (ms) a token session is kept after it
  // expired. Returns the sessions and the token sessions deleted.
  kStmtSweepRetention,
  // Webhooks (docs/webhooks.md). $1 event id, $2 session id, $3 partition, $4 body, $5 made
  // at (ms): the event's outbox row, in the intent of the state change it reports. Returns its
  // seq (no row when the event is there already).
  kStmtInsertWebhook,
  // $1 event ids as a text[] literal: delivered to every URL (or given up).
  kStmtDeleteWebhooks,
  // $1 after this seq, $2 at most this many: undelivered rows, oldest first (seq, id,
  // session_id, body, made at ms, partition).
  kStmtReadWebhooks,
  // The same, of the partitions in $3 (a smallint[] literal) only: a node of a cluster reads
  // the rows of the partitions it serves.
  kStmtReadServedWebhooks,
  // The operator's cordons and drains (server_cordons, migration 0010; app/server_cordons.h).
  // $1 server name: cordoned (a drain under way is kept).
  kStmtCordonServer,
  // $1 server name: uncordoned (a drain under way is cancelled).
  kStmtUncordonServer,
  // $1 server name, $2 grace (ms): cordoned, its drain deadline now + grace (a second drain
  // moves it).
  kStmtDrainServer,
  // Every row (kSqlReadCordons).
  kStmtReadCordons,
  kStatementCount,
};

// Every cordoned server: its name, whether it is draining, and the milliseconds left until
// the drain's deadline by the database's clock (0 once passed). Read at start too
// (state_loader.h).
inline constexpr const char* kSqlReadCordons =
    "SELECT server, drain_deadline IS NOT NULL, COALESCE(GREATEST(0, ceil(extract(epoch FROM"
    " drain_deadline - now()) * 1000))::bigint, 0) FROM server_cordons ORDER BY server";

std::vector<PgPreparedStatement> durable_statements();

}  // namespace ringside

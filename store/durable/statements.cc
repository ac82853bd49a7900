#include "store/durable/statements.h"

namespace ringside {
namespace {

constexpr const char* kSql[kStatementCount] = {
    // kStmtUpsertPlayer
    "INSERT INTO players (id, shard) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    // kStmtUpsertToken
    "INSERT INTO token_sessions (seed, player_id, shard, game_slug, generation, token_hash,"
    " previous_hash, previous_dead_at, expires_at)"
    " VALUES ($1::bytea, $2, $3, $4, $5, $6::bytea, $7::bytea, to_timestamp($8::bigint / 1000.0), "
    "to_timestamp($9::bigint / 1000.0))"
    " ON CONFLICT (seed) DO UPDATE SET generation = EXCLUDED.generation,"
    " token_hash = EXCLUDED.token_hash, previous_hash = EXCLUDED.previous_hash,"
    " previous_dead_at = EXCLUDED.previous_dead_at, expires_at = EXCLUDED.expires_at",
    // kStmtInsertSlot
    "INSERT INTO save_slots (id, player_id, shard, game_slug, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0), to_timestamp($5::bigint / "
    "1000.0)) ON CONFLICT (id) DO NOTHING",
    // kStmtInsertSession
    "INSERT INTO sessions (id, player_id, shard, game_slug, save_slot_id, status, phase,"
    " started_at, last_keepalive_at)"
    " VALUES ($1, $2, $3, $4, $5, 'starting', 'queued', to_timestamp($6::bigint / 1000.0), "
    "to_timestamp($6::bigint / 1000.0))"
    " ON CONFLICT DO NOTHING",
    // kStmtUpdateSession
    "UPDATE sessions SET status = $2, phase = $3, server = COALESCE($4, server),"
    " ended_at = to_timestamp($5::bigint / 1000.0), end_reason = $6, error_code = $7,"
    " cpu_seconds = $8, peak_memory_mb = $9, server_url = COALESCE($10, server_url)"
    " WHERE id = $1",
    // kStmtUpdateSlot
    "UPDATE save_slots SET size_bytes = $2, updated_at = to_timestamp($3::bigint / 1000.0) WHERE "
    "id = $1",
    // kStmtTouchSessions
    "UPDATE sessions s SET last_keepalive_at = to_timestamp(t.at / 1000.0)"
    " FROM unnest($1::text[], $2::bigint[]) AS t(id, at)"
    " WHERE s.id = t.id AND s.ended_at IS NULL",
    // kStmtTouchTokens
    "UPDATE token_sessions k SET expires_at = to_timestamp(t.at / 1000.0)"
    " FROM unnest($1::text[], $2::bigint[]) AS t(seed, at)"
    " WHERE k.seed = decode(t.seed, 'hex')",
    // kStmtAbandonSession
    "UPDATE sessions SET status = 'error', phase = NULL, ended_at = GREATEST(started_at, now()),"
    " end_reason = 'error', error_code = 'start_failed' WHERE id = $1 AND status = 'starting'",
    // kStmtUpsertProfile
    "INSERT INTO game_profiles (game_slug, cpu_cores, memory_mb, cpu_samples, memory_samples)"
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (game_slug) DO UPDATE SET"
    " cpu_cores = EXCLUDED.cpu_cores, memory_mb = EXCLUDED.memory_mb,"
    " cpu_samples = EXCLUDED.cpu_samples, memory_samples = EXCLUDED.memory_samples,"
    " updated_at = now()",
    // kStmtEndStaleActive
    "UPDATE sessions SET status = 'error', phase = NULL, ended_at = GREATEST(started_at, now()),"
    " end_reason = 'error', error_code = 'start_failed'"
    " WHERE player_id = $2 AND ended_at IS NULL AND id <> $1",
    // kStmtDropEmptySlot
    "DELETE FROM save_slots WHERE id = $1 AND size_bytes = 0",
};

}  // namespace

std::vector<PgPreparedStatement> durable_statements() {
  std::vector<PgPreparedStatement> out;
  out.reserve(kStatementCount);
  for (int i = 0; i < kStatementCount; ++i) {
    out.push_back({"rs_" + std::to_string(i), kSql[i]});
  }
  return out;
}

}  // namespace ringside

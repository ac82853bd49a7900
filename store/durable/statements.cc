#include "store/durable/statements.h"

namespace ringside {
namespace {

constexpr const char* kSql[kStatementCount] = {
    // kStmtUpsertPlayer
    "INSERT INTO players (id, partition) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
    // kStmtUpsertToken
    "INSERT INTO token_sessions (seed, player_id, partition, game_slug, generation, token_hash,"
    " previous_hash, previous_dead_at, expires_at)"
    " VALUES ($1::bytea, $2, $3, $4, $5, $6::bytea, $7::bytea, to_timestamp($8::bigint / 1000.0), "
    "to_timestamp($9::bigint / 1000.0))"
    " ON CONFLICT (seed) DO UPDATE SET generation = EXCLUDED.generation,"
    " token_hash = EXCLUDED.token_hash, previous_hash = EXCLUDED.previous_hash,"
    " previous_dead_at = EXCLUDED.previous_dead_at, expires_at = EXCLUDED.expires_at",
    // kStmtInsertSlot
    "INSERT INTO save_slots (id, player_id, partition, game_slug, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0), to_timestamp($5::bigint / "
    "1000.0)) ON CONFLICT (id) DO NOTHING",
    // kStmtInsertSession
    "INSERT INTO sessions (id, player_id, partition, game_slug, save_slot_id, status, phase,"
    " started_at, last_keepalive_at)"
    " VALUES ($1, $2, $3, $4, $5, 'starting', 'queued', to_timestamp($6::bigint / 1000.0), "
    "to_timestamp($6::bigint / 1000.0))"
    " ON CONFLICT DO NOTHING",
    // kStmtUpdateSession
    "UPDATE sessions SET status = $2, phase = $3, server = COALESCE($4, server),"
    " ended_at = to_timestamp($5::bigint / 1000.0), end_reason = $6, error_code = $7,"
    " cpu_seconds = $8, peak_memory_mb = $9, server_url = COALESCE($10, server_url),"
    " running_at = COALESCE(to_timestamp($11::bigint / 1000.0), running_at),"
    " last_keepalive_at = COALESCE(to_timestamp($12::bigint / 1000.0), last_keepalive_at)"
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
    // kStmtSweepRetention. Marks in `settings`: the last ended session walked ("<epoch µs>
    // <id>"), the last token seed walked (hex; empty: start over). Sessions that ended in the
    // last minute are left for the next walk, so an end committed late is not skipped.
    "WITH marks AS ("
    "  SELECT COALESCE((SELECT value FROM settings WHERE key = 'retention_history_mark'), '')"
    "    AS history,"
    "  COALESCE((SELECT value FROM settings WHERE key = 'retention_tokens_mark'), '') AS tokens),"
    " after AS ("
    "  SELECT CASE WHEN history = '' THEN '-infinity'::timestamptz ELSE 'epoch'::timestamptz"
    "    + split_part(history, ' ', 1)::bigint * interval '1 microsecond' END AS at,"
    "  split_part(history, ' ', 2) AS id, decode(tokens, 'hex') AS seed FROM marks),"
    // Marks as scalar subqueries, so they bound the index scans instead of filtering them.
    " ended AS ("
    "  SELECT ended_at, id, player_id FROM sessions"
    "  WHERE ended_at IS NOT NULL AND ended_at < now() - interval '1 minute'"
    "    AND (ended_at, id) > ((SELECT at FROM after), (SELECT id FROM after))"
    "  ORDER BY ended_at, id LIMIT $1),"
    // Per player walked past: the newest ended session beyond the kept ones, if any.
    " edges AS ("
    "  SELECT p.player_id, e.ended_at, e.id FROM (SELECT DISTINCT player_id FROM ended) p"
    "  CROSS JOIN LATERAL (SELECT ended_at, id FROM sessions"
    "    WHERE player_id = p.player_id AND ended_at IS NOT NULL"
    "    ORDER BY ended_at DESC, id DESC OFFSET $2 LIMIT 1) e),"
    " beyond AS ("
    "  SELECT b.id FROM edges e CROSS JOIN LATERAL (SELECT id FROM sessions"
    "    WHERE player_id = e.player_id AND ended_at <= e.ended_at"
    "      AND (ended_at, id) <= (e.ended_at, e.id)"
    "    ORDER BY ended_at LIMIT $1) b LIMIT $1),"
    " swept_sessions AS (DELETE FROM sessions WHERE id IN (SELECT id FROM beyond) RETURNING 1),"
    " walked AS ("
    "  SELECT seed FROM token_sessions WHERE seed > (SELECT seed FROM after)"
    "  ORDER BY seed LIMIT $1),"
    " swept_tokens AS ("
    "  DELETE FROM token_sessions t USING walked w WHERE t.seed = w.seed"
    "    AND t.expires_at < now() - $3::bigint * interval '1 millisecond'"
    "    AND (t.previous_dead_at IS NULL"
    "      OR t.previous_dead_at < now() - $3::bigint * interval '1 millisecond')"
    "  RETURNING 1),"
    " marked AS ("
    "  INSERT INTO settings (key, value)"
    "  SELECT 'retention_history_mark',"
    "    (extract(epoch from ended_at) * 1000000)::bigint::text || ' ' || id"
    "    FROM (SELECT ended_at, id FROM ended ORDER BY ended_at DESC, id DESC LIMIT 1) last"
    // A full `beyond` may have left some walked player over the kept count: walk again.
    "    WHERE (SELECT count(*) FROM beyond) < $1"
    "  UNION ALL SELECT 'retention_tokens_mark', COALESCE((SELECT encode(seed, 'hex') FROM walked"
    "    ORDER BY seed DESC LIMIT 1), '')"
    "  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    "    WHERE settings.value <> EXCLUDED.value RETURNING 1)"
    " SELECT (SELECT count(*) FROM swept_sessions), (SELECT count(*) FROM swept_tokens),"
    " (SELECT count(*) FROM marked)",
    // kStmtInsertWebhook
    "INSERT INTO webhook_outbox (id, session_id, partition, body, made_at)"
    " VALUES ($1, $2, $3, $4, to_timestamp($5::bigint / 1000.0))"
    " ON CONFLICT (id) DO NOTHING RETURNING seq",
    // kStmtDeleteWebhooks
    "DELETE FROM webhook_outbox WHERE id = ANY($1::text[])",
    // kStmtReadWebhooks
    "SELECT seq, id, session_id, body, (extract(epoch from made_at) * 1000)::bigint, partition"
    " FROM webhook_outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
    // kStmtReadServedWebhooks
    "SELECT seq, id, session_id, body, (extract(epoch from made_at) * 1000)::bigint, partition"
    " FROM webhook_outbox WHERE seq > $1 AND partition = ANY($3::smallint[])"
    " ORDER BY seq LIMIT $2",
    // kStmtCordonServer
    "INSERT INTO server_cordons (server) VALUES ($1) ON CONFLICT (server) DO NOTHING",
    // kStmtUncordonServer
    "DELETE FROM server_cordons WHERE server = $1",
    // kStmtDrainServer
    "INSERT INTO server_cordons (server, drain_deadline)"
    " VALUES ($1, now() + $2::bigint * interval '1 millisecond')"
    " ON CONFLICT (server) DO UPDATE SET drain_deadline = EXCLUDED.drain_deadline",
    // kStmtReadCordons
    kSqlReadCordons,
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

#include "store/durable/state_loader.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "core/clock.h"
#include "model/partition.h"
#include "model/token_hash.h"
#include "store/durable/statements.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

Conn connect(const std::string& url, std::string* error) {
  Conn conn(PQconnectdb(url.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    *error = std::string("cannot connect to the database: ") + PQerrorMessage(conn.get());
    while (!error->empty() && error->back() == '\n') error->pop_back();
    return nullptr;
  }
  return conn;
}

Result run(PGconn* conn, const char* sql, std::string* error,
           const std::vector<std::string>& params = {}) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& p : params) values.push_back(p.c_str());
  Result r(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                        nullptr, 0));
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    *error = std::string("database: ") + PQresultErrorMessage(r.get());
    while (!error->empty() && error->back() == '\n') error->pop_back();
    return nullptr;
  }
  return r;
}

std::string_view text(const PGresult* r, int row, int col) {
  return {PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col))};
}
bool null_at(const PGresult* r, int row, int col) { return PQgetisnull(r, row, col) != 0; }

int64_t integer(const PGresult* r, int row, int col) {
  int64_t v = 0;
  std::string_view t = text(r, row, col);
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

double number_or_nan(const PGresult* r, int row, int col) {
  if (null_at(r, row, col)) return NAN;
  double v = NAN;
  std::string_view t = text(r, row, col);
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

bool hex_bytes(std::string_view hex, uint8_t* out, size_t n) {
  if (hex.size() != 2 * n) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < n; ++i) {
    const int a = nibble(hex[2 * i]), b = nibble(hex[2 * i + 1]);
    if (a < 0 || b < 0) return false;
    out[i] = static_cast<uint8_t>(a << 4 | b);
  }
  return true;
}

bool seed_from_hex(std::string_view hex, Id128* out) {
  uint8_t b[16];
  if (!hex_bytes(hex, b, sizeof b)) return false;
  out->hi = out->lo = 0;
  for (int i = 0; i < 8; ++i) out->hi = out->hi << 8 | b[i];
  for (int i = 8; i < 16; ++i) out->lo = out->lo << 8 | b[i];
  return true;
}

template <typename Enum, typename NameOf>
Enum enum_named(std::string_view name, Enum last, NameOf name_of, Enum fallback) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    if (name_of(static_cast<Enum>(i)) == name) return static_cast<Enum>(i);
  }
  return fallback;
}

// Epoch milliseconds of a timestamptz column, in SQL.
#define RS_MS(col) "(extract(epoch from " col ") * 1000)::bigint"

// Gives every player without a partition its partition (computed here: PostgreSQL cannot),
// kPartitionFillRows per statement. A partial index holds exactly the rows left, so each batch
// finds them at once, and once done this costs one empty index probe.
bool fill_players(PGconn* conn, size_t* filled, std::string* error) {
  const std::string select =
      "SELECT id FROM players WHERE partition IS NULL LIMIT " + std::to_string(kPartitionFillRows);
  for (;;) {
    Result r = run(conn, select.c_str(), error);
    if (!r) return false;
    const int n = PQntuples(r.get());
    if (n == 0) return true;
    // Array literals of quoted, escaped elements: a player id may hold any character.
    std::string players = "{", partitions = "{";
    for (int i = 0; i < n; ++i) {
      const std::string_view id = text(r.get(), i, 0);
      if (i != 0) {
        players.push_back(',');
        partitions.push_back(',');
      }
      players.push_back('"');
      for (char c : id) {
        if (c == '"' || c == '\\') players.push_back('\\');
        players.push_back(c);
      }
      players.push_back('"');
      partitions += std::to_string(partition_of_player(id));
    }
    players.push_back('}');
    partitions.push_back('}');
    if (!run(conn,
             "UPDATE players t SET partition = u.p FROM unnest($1::text[], $2::smallint[])"
             " AS u(id, p) WHERE t.id = u.id AND t.partition IS NULL",
             error, {players, partitions})) {
      return false;
    }
    *filled += static_cast<size_t>(n);
  }
}

// Then every row of a per-player table without one takes its player's, kPartitionFillRows per
// statement (its own partial index on `key` finds them).
bool fill_from_players(PGconn* conn, const char* table, const char* key, size_t* filled,
                       std::string* error) {
  const std::string update =
      std::string("UPDATE ") + table + " t SET partition = p.partition FROM players p WHERE t." +
      key + " IN (SELECT " + key + " FROM " + table + " WHERE partition IS NULL LIMIT " +
      std::to_string(kPartitionFillRows) + ") AND p.id = t.player_id";
  for (;;) {
    Result r = run(conn, update.c_str(), error);
    if (!r) return false;
    const int64_t n = std::atoll(PQcmdTuples(r.get()));
    if (n == 0) return true;
    *filled += static_cast<size_t>(n);
  }
}

// The rows written before partitions get theirs; then the shard count the rows were written
// with no longer matters (ids name their partition or, legacy ones, are looked up, see
// read_legacy_tokens), so `settings.shards` only records the count last started with.
bool prepare_rows(PGconn* conn, uint32_t shards, size_t* filled, std::string* error) {
  if (!fill_players(conn, filled, error) ||
      !fill_from_players(conn, "token_sessions", "seed", filled, error) ||
      !fill_from_players(conn, "save_slots", "id", filled, error) ||
      !fill_from_players(conn, "sessions", "id", filled, error)) {
    return false;
  }
  return static_cast<bool>(run(conn,
                               "INSERT INTO settings (key, value) VALUES ('shards', $1)"
                               " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                               error, {std::to_string(shards)}));
}

// Turns result rows into Loaded* rows: false for a row that cannot be used (a bad id, a shard
// out of range, a game no longer in the catalog), which is skipped and counted.
class RowReader {
 public:
  RowReader(const Catalog& catalog, const std::vector<GameServerInfo>& servers)
      : catalog_(catalog), servers_(servers) {}

  static bool partition(const PGresult* r, int row, int col, uint16_t* partition) {
    if (null_at(r, row, col)) return false;
    const int64_t p = integer(r, row, col);
    if (p < 0 || p >= kPartitionCount) return false;
    *partition = static_cast<uint16_t>(p);
    return true;
  }

  bool game(const PGresult* r, int row, int col, uint16_t* game) const {
    if (null_at(r, row, col)) {
      *game = kAnyGame;
      return true;
    }
    // A game a reload removed still names its sessions, tokens and slots (a partition taken
    // over after the reload); one the catalog never had (the file changed across a restart)
    // does not: that row is skipped.
    const int g = catalog_.find_any(text(r, row, col));
    if (g < 0) return false;
    *game = static_cast<uint16_t>(g);
    return true;
  }

  // Columns of kTokenColumns.
  bool token(const PGresult* r, int i, LoadedToken* t) const {
    if (!game(r, i, 2, &t->game) || !seed_from_hex(text(r, i, 0), &t->seed) ||
        !hex_bytes(text(r, i, 4), t->current.bytes.data(), t->current.bytes.size())) {
      return false;
    }
    t->player_id = text(r, i, 1);
    t->generation = static_cast<uint32_t>(integer(r, i, 3));
    t->has_previous = !null_at(r, i, 5) &&
                      hex_bytes(text(r, i, 5), t->previous.bytes.data(), t->previous.bytes.size());
    t->previous_dead_ms = t->has_previous ? integer(r, i, 6) : 0;
    t->expires_ms = integer(r, i, 7);
    if (!null_at(r, i, 8)) {
      const int64_t shard = integer(r, i, 8);
      if (shard < 0 || shard >= kMaxShardCount) return false;
      t->legacy_shard = static_cast<int32_t>(shard);
    }
    return true;
  }

  // Columns of kSlotColumns.
  bool slot(const PGresult* r, int i, LoadedSlot* s) const {
    std::optional<ParsedId> id = parse_id(text(r, i, 0), IdKind::kSaveSlot);
    if (!id || !game(r, i, 2, &s->game) || s->game == kAnyGame) return false;
    s->id = id->bits;
    s->owner = id->owner;
    s->player_id = text(r, i, 1);
    s->created_ms = integer(r, i, 3);
    s->updated_ms = integer(r, i, 4);
    s->size_bytes = static_cast<uint64_t>(integer(r, i, 5));
    return true;
  }

  // Columns of kSessionColumns; *partition is the session's.
  bool session(const PGresult* r, int i, LoadedSession* s, uint16_t* partition) const {
    std::optional<ParsedId> id = parse_id(text(r, i, 0), IdKind::kSession);
    if (!id || !RowReader::partition(r, i, 2, partition) || !game(r, i, 3, &s->game) ||
        s->game == kAnyGame) {
      return false;
    }
    s->id = id->bits;
    s->owner = id->owner;
    s->player_id = text(r, i, 1);
    if (!null_at(r, i, 4)) {
      if (std::optional<ParsedId> slot = parse_id(text(r, i, 4), IdKind::kSaveSlot)) {
        s->slot = slot->bits;
        s->slot_owner = slot->owner;
      }
    }
    s->status =
        enum_named(text(r, i, 5), SessionStatus::kError, status_name, SessionStatus::kError);
    if (!null_at(r, i, 6)) {
      s->phase = enum_named(text(r, i, 6), StartPhase::kCreating, phase_name, StartPhase::kQueued);
    }
    if (!null_at(r, i, 7)) {
      for (uint32_t k = 0; k < servers_.size(); ++k) {
        if (servers_[k].name == text(r, i, 7)) {
          s->server = k;
          s->has_server = true;
        }
      }
    }
    s->started_ms = integer(r, i, 8);
    s->last_keepalive_ms = integer(r, i, 9);
    s->ended_ms = null_at(r, i, 10) ? 0 : integer(r, i, 10);
    if (!null_at(r, i, 11)) {
      s->end_reason = enum_named(text(r, i, 11), kLastEndReason, end_reason_name, EndReason::kNone);
    }
    if (!null_at(r, i, 12)) {
      s->error = enum_named(text(r, i, 12), SessionError::kBackendUnavailable, error_code,
                            SessionError::kStartFailed);
    }
    s->cpu_seconds = number_or_nan(r, i, 13);
    s->peak_memory_mb = number_or_nan(r, i, 14);
    if (!null_at(r, i, 15)) s->server_url = text(r, i, 15);
    s->running_ms = null_at(r, i, 16) ? 0 : integer(r, i, 16);
    return true;
  }

 private:
  const Catalog& catalog_;
  const std::vector<GameServerInfo>& servers_;
};

constexpr const char* kTokenColumns =
    "encode(seed, 'hex'), player_id, game_slug, generation, encode(token_hash, 'hex'),"
    " encode(previous_hash, 'hex'), " RS_MS("previous_dead_at") ", " RS_MS("expires_at") ","
    " shard";
constexpr const char* kSlotColumns =
    "id, player_id, game_slug, " RS_MS("created_at") ", " RS_MS("updated_at") ", size_bytes";
constexpr const char* kSessionColumns =
    "id, player_id, partition, game_slug, save_slot_id, status, phase, server,"
    " " RS_MS("started_at") ", " RS_MS("last_keepalive_at") ", " RS_MS("ended_at") ","
    " end_reason, error_code, cpu_seconds, peak_memory_mb, server_url, " RS_MS("running_at");
constexpr const char* kActive = "status IN ('starting', 'running', 'stopping')";

// Runs `query` through a cursor in the open transaction, calling row(result, index) for every
// row, kLoadBatchRows per fetch, and batch_done() after each fetch.
bool stream(PGconn* conn, const std::string& query,
            const std::function<void(const PGresult*, int)>& row,
            const std::function<void()>& batch_done, std::string* error) {
  if (!run(conn, ("DECLARE rows_cursor NO SCROLL CURSOR FOR " + query).c_str(), error)) {
    return false;
  }
  const std::string fetch = "FETCH " + std::to_string(kLoadBatchRows) + " FROM rows_cursor";
  for (;;) {
    Result batch = run(conn, fetch.c_str(), error);
    if (!batch) return false;
    const int n = PQntuples(batch.get());
    for (int i = 0; i < n; ++i) row(batch.get(), i);
    batch_done();
    if (n < kLoadBatchRows) break;
  }
  return static_cast<bool>(run(conn, "CLOSE rows_cursor", error));
}

// The token sessions written before partitions — expired ones too: another node may have slid
// a token's expiry since, and the retention sweep deletes the long-expired, which bounds the
// map — whose current token, or replaced token still in its grace period, was minted with the
// shard in its text: each such token derived
// again (the hash must match, else it was minted after a refresh and names its partition), its
// random bits kept with the row's partition.
bool read_legacy_tokens(PGconn* conn, const TokenMinter& minter, LegacyTokens* out,
                        std::string* error) {
  if (!run(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return false;
  auto derives = [&](const Id128& seed, uint32_t generation, uint16_t shard,
                     std::string_view hash_hex, Id128* bits) {
    TokenHash stored;
    if (!hex_bytes(hash_hex, stored.bytes.data(), stored.bytes.size())) return false;
    char token[kIdTextLength];
    minter.mint(seed, generation, IdOwner{shard, true}, token);
    const std::string_view text(token, kIdTextLength);
    if (!(hash_token(text) == stored)) return false;
    *bits = parse_id(text, IdKind::kToken)->bits;
    return true;
  };
  if (!stream(
          conn,
          "SELECT encode(seed, 'hex'), generation, shard, partition, encode(token_hash, 'hex'),"
          " encode(previous_hash, 'hex') FROM token_sessions WHERE shard IS NOT NULL",
          [&](const PGresult* r, int i) {
            Id128 seed, bits;
            uint16_t partition;
            const int64_t shard = integer(r, i, 2);
            if (!seed_from_hex(text(r, i, 0), &seed) || shard < 0 || shard >= kMaxShardCount ||
                !RowReader::partition(r, i, 3, &partition)) {
              return;
            }
            const auto generation = static_cast<uint32_t>(integer(r, i, 1));
            const auto s = static_cast<uint16_t>(shard);
            if (derives(seed, generation, s, text(r, i, 4), &bits)) out->add(bits, partition);
            if (generation > 0 && !null_at(r, i, 5) &&
                derives(seed, generation - 1, s, text(r, i, 5), &bits)) {
              out->add(bits, partition);
            }
          },
          [] {}, error)) {
    return false;
  }
  out->seal();
  return static_cast<bool>(run(conn, "COMMIT", error));
}

}  // namespace

bool load_state(const std::string& url, const Catalog& catalog,
                const std::vector<GameServerInfo>& servers, uint32_t shard_count,
                const TokenMinter& minter, LoadedState* out, std::string* error) {
  Conn conn = connect(url, error);
  if (!conn) return false;
  if (!prepare_rows(conn.get(), shard_count, &out->rows_given_partition, error)) return false;
  const RowReader rows(catalog, servers);

  // As many as are running: the partial index sessions_active_by_partition holds just these.
  Result active =
      run(conn.get(),
          (std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE " + kActive).c_str(),
          error);
  if (!active) return false;
  for (int i = 0; i < PQntuples(active.get()); ++i) {
    ActiveSession a;
    uint16_t partition;
    if (!rows.session(active.get(), i, &a.session, &partition)) {
      ++out->rows_skipped;
      continue;
    }
    a.owner_shard = static_cast<uint16_t>(shard_of_partition(partition, shard_count));
    out->active.push_back(std::move(a));
  }

  Result profiles = run(conn.get(),
                        "SELECT game_slug, cpu_cores, memory_mb, cpu_samples, memory_samples"
                        " FROM game_profiles",
                        error);
  if (!profiles) return false;
  for (int i = 0; i < PQntuples(profiles.get()); ++i) {
    const PGresult* r = profiles.get();
    LoadedProfile p;
    if (!rows.game(r, i, 0, &p.game) || p.game == kAnyGame) continue;
    p.cpu_cores = number_or_nan(r, i, 1);
    p.memory_mb = number_or_nan(r, i, 2);
    p.cpu_samples = static_cast<uint32_t>(integer(r, i, 3));
    p.memory_samples = static_cast<uint32_t>(integer(r, i, 4));
    out->profiles.push_back(p);
  }

  Result cordons = run(conn.get(), kSqlReadCordons, error);
  if (!cordons) return false;
  const uint64_t read_at = read_clock().mono_ms;
  for (int i = 0; i < PQntuples(cordons.get()); ++i) {
    const PGresult* r = cordons.get();
    ServerCordon c;
    c.server = PQgetvalue(r, i, 0);
    c.draining = PQgetvalue(r, i, 1)[0] == 't';
    c.deadline_mono_ms = read_at + static_cast<uint64_t>(std::max<int64_t>(0, integer(r, i, 2)));
    out->cordons.push_back(std::move(c));
  }
  return read_legacy_tokens(conn.get(), minter, &out->legacy_tokens, error);
}

bool stream_partition_state(const std::string& url, const Catalog& catalog,
                            const std::vector<GameServerInfo>& servers,
                            std::span<const uint16_t> partitions,
                            const std::function<void(ShardState&)>& take, ShardLoadCounts* counts,
                            std::string* error) {
  if (partitions.empty()) return true;
  Conn conn = connect(url, error);
  if (!conn) return false;
  // One snapshot for every table of the partitions.
  if (!run(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", error)) return false;
  const RowReader rows(catalog, servers);
  // Numbers only, so the list is spelled into the cursor's query rather than bound.
  std::string mine = " WHERE partition = ANY('{";
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (i != 0) mine.push_back(',');
    mine += std::to_string(partitions[i]);
  }
  mine += "}'::smallint[])";
  ShardState batch;
  auto hand_over = [&] {
    take(batch);
    batch.players.clear();
    batch.tokens.clear();
    batch.slots.clear();
    batch.sessions.clear();
  };

  if (!stream(
          conn.get(), "SELECT id FROM players" + mine,
          [&](const PGresult* r, int i) {
            batch.players.emplace_back(text(r, i, 0));
            ++counts->players;
          },
          hand_over, error)) {
    return false;
  }
  if (!stream(
          conn.get(),
          std::string("SELECT ") + kTokenColumns + " FROM token_sessions" + mine +
              " AND expires_at > now()",
          [&](const PGresult* r, int i) {
            LoadedToken t;
            if (!rows.token(r, i, &t)) {
              ++counts->skipped;
              return;
            }
            batch.tokens.push_back(std::move(t));
            ++counts->tokens;
          },
          hand_over, error)) {
    return false;
  }
  if (!stream(
          conn.get(),
          std::string("SELECT ") + kSlotColumns + " FROM save_slots" + mine +
              " ORDER BY created_at",
          [&](const PGresult* r, int i) {
            LoadedSlot s;
            if (!rows.slot(r, i, &s)) {
              ++counts->skipped;
              return;
            }
            batch.slots.push_back(std::move(s));
            ++counts->slots;
          },
          hand_over, error)) {
    return false;
  }
  // The newest ended sessions of each player (the history kept), oldest first, then the
  // active ones.
  if (!stream(
          conn.get(),
          std::string("SELECT ") + kSessionColumns +
              " FROM (SELECT *, row_number() OVER (PARTITION BY player_id"
              " ORDER BY ended_at DESC, id DESC) AS newest FROM sessions" +
              mine + " AND ended_at IS NOT NULL) s WHERE newest <= " +
              std::to_string(kHistoryKept) + " UNION ALL SELECT " + kSessionColumns +
              " FROM sessions" + mine + " AND " + kActive + " ORDER BY 11 ASC NULLS LAST",
          [&](const PGresult* r, int i) {
            LoadedSession s;
            uint16_t partition;
            if (!rows.session(r, i, &s, &partition)) {
              ++counts->skipped;
              return;
            }
            batch.sessions.push_back(std::move(s));
            ++counts->sessions;
          },
          hand_over, error)) {
    return false;
  }
  return static_cast<bool>(run(conn.get(), "COMMIT", error));
}

bool claim_setting(const std::string& url, const std::string& key, const std::string& value,
                   std::string* stored, std::string* error) {
  Conn conn = connect(url, error);
  if (!conn) return false;
  if (!run(conn.get(),
           "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", error,
           {key, value})) {
    return false;
  }
  Result r = run(conn.get(), "SELECT value FROM settings WHERE key = $1", error, {key});
  if (!r) return false;
  if (PQntuples(r.get()) != 1) {
    *error = "database: settings." + key + " vanished as it was written";
    return false;
  }
  *stored = std::string(text(r.get(), 0, 0));
  return true;
}

bool store_catalog(const std::string& url, const Catalog& catalog, std::string* error) {
  Conn conn = connect(url, error);
  if (!conn) return false;
  int position = 0;
  for (const Game& g : catalog.games()) {
    char cpu[32];
    auto r = std::to_chars(cpu, cpu + sizeof cpu, g.cpu_cores);
    if (!run(conn.get(),
             "INSERT INTO catalog (slug, title, image, size_mb, cpu_cores, memory_mb, save_dir,"
             " position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (slug) DO UPDATE SET"
             " title = EXCLUDED.title, image = EXCLUDED.image, size_mb = EXCLUDED.size_mb,"
             " cpu_cores = EXCLUDED.cpu_cores, memory_mb = EXCLUDED.memory_mb,"
             " save_dir = EXCLUDED.save_dir, position = EXCLUDED.position, updated_at = now()",
             error,
             {g.slug, g.title, g.image, std::to_string(g.size_mb),
              std::string(cpu, static_cast<size_t>(r.ptr - cpu)), std::to_string(g.memory_mb),
              g.save_dir, std::to_string(position++)})) {
      return false;
    }
  }
  return true;
}

}  // namespace ringside

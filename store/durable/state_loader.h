#pragma once
// Reads ringside's durable state back from PostgreSQL, blocking (short-lived connections of
// its own). In two parts:
//
// - load_state, in the main thread at start, before any reactor serves: gives every row
//   written before partitions its partition (PostgreSQL cannot compute the player hash), so
//   that the shard count no longer matters to the rows, and reads what the I/O core needs (the
//   active sessions it recovers, the game profiles, the operator's cordons) and what every
//   shard needs (the legacy tokens, model/legacy_tokens.h).
// - stream_partition_state, for a set of partitions: their rows (players, live token
//   sessions, save slots, active sessions and the newest kHistoryKept ended ones per player),
//   read through a cursor kLoadBatchRows at a time and handed over batch by batch, in one
//   REPEATABLE READ snapshot. At start each shard streams its own partitions in its thread
//   (partitions_of_shard, model/partition.h); a node that takes a partition over at runtime
//   streams that one. Memory then peaks at the shard's own state plus one batch, instead of
//   every table held whole, twice (as results, then as rows).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "model/backend.h"
#include "model/catalog.h"
#include "model/loaded_state.h"
#include "model/token_minter.h"

namespace ringside {

inline constexpr int kLoadBatchRows = 10000;

// Rows given their partition per statement, by the start-up fill.
inline constexpr int kPartitionFillRows = 10000;

// `minter` derives legacy tokens again (their token sessions keep the secret's tokens only as
// hashes); the active sessions' owner_shard is shard_of_partition over `shard_count`.
bool load_state(const std::string& url, const Catalog& catalog,
                const std::vector<GameServerInfo>& servers, uint32_t shard_count,
                const TokenMinter& minter, LoadedState* out, std::string* error);

struct ShardLoadCounts {
  size_t players = 0;
  size_t tokens = 0;
  size_t slots = 0;
  size_t sessions = 0;
  size_t skipped = 0;  // rows naming a game no longer in the catalog, or a bad id
};

// The rows of `partitions` (each < kPartitionCount), after load_state filled every row's
// partition. Each batch holds rows of one table, in order (players, tokens, slots, then
// sessions: ended oldest first, then the active ones); `take` may move from it, and it is
// cleared before the next. An empty set reads nothing.
bool stream_partition_state(const std::string& url, const Catalog& catalog,
                            const std::vector<GameServerInfo>& servers,
                            std::span<const uint16_t> partitions,
                            const std::function<void(ShardState&)>& take, ShardLoadCounts* counts,
                            std::string* error);

// settings[key] = value unless the key has a value already (the first node to start writes
// it); `stored` receives the value the table holds afterwards, to compare with `value`.
bool claim_setting(const std::string& url, const std::string& key, const std::string& value,
                   std::string* stored, std::string* error);

// Writes the catalog into the database's catalog table (what other tools and nodes read).
bool store_catalog(const std::string& url, const Catalog& catalog, std::string* error);

}  // namespace ringside

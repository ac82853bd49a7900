#pragma once
// Start-up: reads ringside's durable state back from PostgreSQL, blocking (short-lived
// connections of its own), before any reactor serves. In two parts:
//
// - load_state, in the main thread: pins the shard count (ids and rows carry their owning
//   shard, so a database written with N shards is refused by a process started with another
//   count; the error says which to use), and reads what the I/O core needs: the active
//   sessions it recovers, and the game profiles.
// - stream_shard_state, in each shard's thread: that shard's rows (players, live token
//   sessions, save slots, active sessions and the newest kHistoryKept ended ones per player),
//   read through a cursor kLoadBatchRows at a time and handed over batch by batch, in one
//   snapshot. Memory at start then peaks at the shard's own state plus one batch, instead of
//   every table held whole, twice (as results, then as rows), before any shard took its part.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/backend.h"
#include "model/catalog.h"
#include "model/loaded_state.h"

namespace ringside {

inline constexpr int kLoadBatchRows = 10000;

bool load_state(const std::string& url, const Catalog& catalog,
                const std::vector<GameServerInfo>& servers, uint32_t shard_count, LoadedState* out,
                std::string* error);

struct ShardLoadCounts {
  size_t players = 0;
  size_t tokens = 0;
  size_t slots = 0;
  size_t sessions = 0;
  size_t skipped = 0;  // rows naming a game no longer in the catalog, or a bad id
};

// Each batch holds rows of one table, in order (sessions: ended oldest first, then the active
// ones); `take` may move from it, and it is cleared before the next.
bool stream_shard_state(const std::string& url, const Catalog& catalog,
                        const std::vector<GameServerInfo>& servers, uint32_t shard_count,
                        uint32_t shard, const std::function<void(ShardState&)>& take,
                        ShardLoadCounts* counts, std::string* error);

// Writes the catalog into the database's catalog table (what other tools and nodes read).
bool store_catalog(const std::string& url, const Catalog& catalog, std::string* error);

}  // namespace ringside

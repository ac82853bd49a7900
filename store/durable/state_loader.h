#pragma once
// Start-up: reads ringside's durable state back from PostgreSQL into LoadedState, blocking
// (its own short-lived connection), before any reactor serves. Also pins the shard count: ids
// and rows carry their owning shard, so a database written with N shards is refused by a
// process started with another count (the error says which to use).
#include <cstdint>
#include <string>
#include <vector>

#include "app/catalog.h"
#include "backends/backend.h"
#include "store/durable/loaded_state.h"

namespace ringside {

bool load_state(const std::string& url, const Catalog& catalog,
                const std::vector<GameServerInfo>& servers, uint32_t shard_count, LoadedState* out,
                std::string* error);

// Writes the catalog into the database's catalog table (what other tools and nodes read).
bool store_catalog(const std::string& url, const Catalog& catalog, std::string* error);

}  // namespace ringside

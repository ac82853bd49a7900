#pragma once
// What every thread of one ringside process reads: the configuration, the catalog, the fleet
// and the token secret, fixed before any thread starts, and read-only views of what the threads
// publish. Threads get it as `const Runtime&`; what a thread writes (its metrics block, the
// message bus, its share of the state read back) is handed to it on its own by app/process.h,
// never reached through here. Threads 0..shards-1 are the shards; thread `shards` is the I/O
// core.
#include <cstdint>
#include <vector>

#include "model/backend.h"
#include "model/catalog.h"
#include "model/config.h"
#include "model/legacy_tokens.h"
#include "model/published.h"
#include "model/token_minter.h"

namespace ringside {

struct Runtime {
  Runtime(const Config& c, const Catalog& cat, std::vector<GameServerInfo> fleet,
          const TokenMinter::Secret& secret, const Published& published_by_threads,
          const LegacyTokens& legacy = kNoLegacyTokens)
      : config(c),
        catalog(cat),
        servers(std::move(fleet)),
        token_secret(secret),
        published(published_by_threads),
        legacy_tokens(legacy) {}

  uint32_t shard_count() const { return config.shards; }
  uint32_t io_thread() const { return config.shards; }

  const Config config;
  // Read-only here; the I/O core alone publishes a reloaded one (IoHandOff::catalog).
  const Catalog& catalog;
  const std::vector<GameServerInfo> servers;  // the fleet, indexed as the scheduler does
  // Tokens are derived from this (model/token_minter.h); it never leaves the process, except
  // to its own file (--token-secret-file) when tokens must outlive the process.
  const TokenMinter::Secret token_secret;
  const Published& published;
  // Tokens minted before partitions, read back from the database (filled by app/process.h
  // before any thread starts; empty without a database).
  const LegacyTokens& legacy_tokens;

 private:
  static inline const LegacyTokens kNoLegacyTokens{};
};

}  // namespace ringside

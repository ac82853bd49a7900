#pragma once
// What the threads of one ringside process share at start-up: the configuration (read-only
// once threads run), the message bus, and each shard's metrics block (written by its shard
// only). Threads 0..shards-1 are the shards; thread `shards` is the I/O core.
#include <atomic>
#include <cstdint>
#include <latch>
#include <memory>
#include <vector>

#include "core/message_bus.h"
#include "model/backend.h"
#include "model/catalog.h"
#include "model/config.h"
#include "model/loaded_state.h"
#include "model/metrics/backend_metrics.h"
#include "model/metrics/http_metrics.h"
#include "model/metrics/placement_metrics.h"
#include "model/metrics/player_metrics.h"
#include "model/metrics/store_metrics.h"
#include "model/token_minter.h"

namespace ringside {

struct Runtime {
  Runtime(const Config& c, Catalog cat, std::vector<GameServerInfo> fleet,
          const TokenMinter::Secret& secret = TokenMinter::random_secret())
      : config(c),
        catalog(std::move(cat)),
        servers(std::move(fleet)),
        bus(c.shards + 1, kMailboxBytes),
        token_secret(secret),
        metrics(new HttpMetrics[c.shards]),
        player_metrics(new PlayerMetrics[c.shards]),
        rings_ready(c.shards + 1),
        listening(c.shards) {
    placement_metrics.server_up = std::make_unique<Counter[]>(servers.size());
    for (size_t i = 0; i < servers.size(); ++i) placement_metrics.server_up[i].set(1);
  }

  static constexpr size_t kMailboxBytes = 1 << 20;

  uint32_t shard_count() const { return config.shards; }
  uint32_t io_thread() const { return config.shards; }

  const Config config;
  const Catalog catalog;
  const std::vector<GameServerInfo> servers;  // the fleet, indexed as the scheduler does
  // Written by the I/O core only: false while the launch queue is full, so shards refuse
  // launches with 503 no_servers at once instead of accepting what cannot be queued.
  std::atomic<bool> launches_accepted{true};
  MessageBus bus;
  // Tokens are derived from this (model/token_minter.h); it never leaves the process, except
  // to its own file (--token-secret-file) when tokens must outlive the process.
  const TokenMinter::Secret token_secret;
  std::unique_ptr<HttpMetrics[]> metrics;
  std::unique_ptr<PlayerMetrics[]> player_metrics;
  PlacementMetrics placement_metrics;  // written by the I/O core
  StoreMetrics store_metrics;          // written by the I/O core
  BackendMetrics backend_metrics;      // written by the I/O core's backend
  // One listening socket per shard, all opened before any shard starts; shard i owns [i].
  std::vector<int> listen_fds;
  // Every thread creates its ring, publishes the ring fd, then waits here before it may
  // ring anyone's doorbell.
  std::latch rings_ready;
  // Counted down by each shard once its socket listens.
  std::latch listening;
  // With --database-url: what was read back at start. Shard i takes shards[i] (and empties it)
  // before serving; the I/O core reads `active` to recover sessions. Null: memory only.
  std::unique_ptr<LoadedState> loaded;
};

}  // namespace ringside

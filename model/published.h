#pragma once
// What threads publish for each other: the metric blocks and the launch gate. Each part has
// exactly one writing thread, which gets it by hand-off at start (app/process.h); every other
// thread reads it through `Runtime::published` as const, with relaxed loads, and never waits on
// the writer. /metrics is the main reader.
#include <atomic>
#include <cstdint>
#include <memory>

#include "model/metrics/backend_metrics.h"
#include "model/metrics/http_metrics.h"
#include "model/metrics/placement_metrics.h"
#include "model/metrics/player_metrics.h"
#include "model/metrics/store_metrics.h"

namespace ringside {

struct Published {
  Published(uint32_t shards, size_t servers)
      : http(new HttpMetrics[shards]), players(new PlayerMetrics[shards]) {
    placement.server_up = std::make_unique<Counter[]>(servers);
    for (size_t i = 0; i < servers; ++i) placement.server_up[i].set(1);
  }

  std::unique_ptr<HttpMetrics[]> http;       // [shard], written by that shard
  std::unique_ptr<PlayerMetrics[]> players;  // [shard], written by that shard
  PlacementMetrics placement;                // written by the I/O core
  StoreMetrics store;                        // written by the I/O core
  BackendMetrics backend;                    // written by the I/O core's backend
  // Written by the I/O core only: false while the launch queue is full, so shards refuse
  // launches with 503 no_servers at once instead of accepting what cannot be queued.
  std::atomic<bool> launches_accepted{true};
};

}  // namespace ringside

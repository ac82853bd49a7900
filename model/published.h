#pragma once
// What threads publish for each other: the metric blocks and the launch gate. Each part has
// exactly one writing thread, which app/process.h hands it at start (the only friend here);
// every other thread reads it through `Runtime::published`, const, with relaxed loads, and
// never waits on the writer. /metrics is the main reader.
#include <atomic>
#include <cstdint>
#include <memory>

#include "model/metrics/backend_metrics.h"
#include "model/metrics/catalog_metrics.h"
#include "model/metrics/http_metrics.h"
#include "model/metrics/placement_metrics.h"
#include "model/metrics/player_metrics.h"
#include "model/metrics/store_metrics.h"
#include "model/metrics/webhook_metrics.h"

namespace ringside {

class Published {
 public:
  Published(uint32_t shards, size_t servers)
      : http_(new HttpMetrics[shards]), players_(new PlayerMetrics[shards]), placement_(servers) {}

  const HttpMetrics& http(uint32_t shard) const { return http_[shard]; }
  const PlayerMetrics& players(uint32_t shard) const { return players_[shard]; }
  const PlacementMetrics& placement() const { return placement_; }
  const StoreMetrics& store() const { return store_; }
  const BackendMetrics& backend() const { return backend_; }
  const CatalogMetrics& catalog() const { return catalog_; }
  const WebhookMetrics& webhooks() const { return webhooks_; }
  // False while the launch queue is full: shards refuse launches with 503 no_servers at once
  // instead of accepting what cannot be queued.
  bool launches_accepted() const { return launches_accepted_.load(std::memory_order_relaxed); }

 private:
  friend class Process;

  std::unique_ptr<HttpMetrics[]> http_;        // [shard], written by that shard
  std::unique_ptr<PlayerMetrics[]> players_;   // [shard], written by that shard
  PlacementMetrics placement_;                 // written by the I/O core
  StoreMetrics store_;                         // written by the I/O core
  BackendMetrics backend_;                     // written by the I/O core's backend
  CatalogMetrics catalog_;                     // written by the I/O core
  WebhookMetrics webhooks_;                    // written by the I/O core's webhook sender
  std::atomic<bool> launches_accepted_{true};  // written by the I/O core (placement)
};

}  // namespace ringside

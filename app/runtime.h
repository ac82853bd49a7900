#pragma once
// What the threads of one ringside process share at start-up: the configuration (read-only
// once threads run), the message bus, and each shard's metrics block (written by its shard
// only). Threads 0..shards-1 are the shards; thread `shards` is the I/O core.
#include <cstdint>
#include <latch>
#include <memory>

#include "app/config.h"
#include "core/message_bus.h"
#include "http/http_metrics.h"

namespace ringside {

struct Runtime {
  explicit Runtime(const Config& c)
      : config(c),
        bus(c.shards + 1, kMailboxBytes),
        metrics(new HttpMetrics[c.shards]),
        rings_ready(c.shards + 1),
        listening(c.shards) {}

  static constexpr size_t kMailboxBytes = 1 << 20;

  uint32_t shard_count() const { return config.shards; }
  uint32_t io_thread() const { return config.shards; }

  const Config config;
  MessageBus bus;
  std::unique_ptr<HttpMetrics[]> metrics;
  // Every thread creates its ring, publishes the ring fd, then waits here before it may
  // ring anyone's doorbell.
  std::latch rings_ready;
  // Counted down by each shard once its socket listens.
  std::latch listening;
};

}  // namespace ringside

#pragma once
#include <memory>

#include "model/metrics/http_metrics.h"

namespace ringside {

// Written by the I/O core only (relaxed stores); /metrics on any shard reads them.
struct PlacementMetrics {
  Counter launches_queued;  // gauge: launches waiting for capacity now
  Counter placed;           // launches given a server, at once or from the queue
  Counter queued;           // launches that had to wait in the queue
  Counter rejected;         // refused at once: queue full, or no server could ever hold them
  Counter failed;           // placed but failed to start, or timed out in the queue
  Counter lost;             // running sessions lost with their server or container
  // Per game server (Runtime::servers): 1 while it takes placements, 0 while it is down.
  std::unique_ptr<Counter[]> server_up;
};

}  // namespace ringside

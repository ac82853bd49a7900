#pragma once
#include <cstddef>
#include <vector>

#include "model/metrics/counter.h"

namespace ringside {

// Written by the I/O core only (relaxed stores); /metrics on any shard reads them.
struct PlacementMetrics {
  explicit PlacementMetrics(size_t servers) : server_up(servers), server_cordoned(servers) {
    for (Counter& up : server_up) up.set(1);
  }

  Counter launches_queued;  // gauge: launches waiting for capacity now
  Counter placed;           // launches given a server, at once or from the queue
  Counter queued;           // launches that had to wait in the queue
  Counter rejected;         // refused at once: queue full, or no server could ever hold them
  Counter failed;           // placed but failed to start, or timed out in the queue
  Counter lost;             // running sessions lost with their server or container
  // Per game server (Runtime::servers): 1 while it takes placements, 0 while it is down.
  std::vector<Counter> server_up;
  // Per game server: 1 while an operator has it cordoned (or drained), else 0.
  std::vector<Counter> server_cordoned;
};

}  // namespace ringside

#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/catalog.h"
#include "model/metrics/counter.h"

namespace ringside {

// Upper bounds (ms) of ringside_queue_wait_seconds' buckets; the last, 0, is +Inf.
inline constexpr std::array<uint64_t, 12> kQueueWaitBucketsMs = {
    100, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000, 600000, 0};

// Written by the I/O core only (relaxed stores); /metrics on any shard reads them.
struct PlacementMetrics {
  explicit PlacementMetrics(size_t servers)
      : server_up(servers),
        server_cordoned(servers),
        warm_ready_(std::make_unique<Counter[]>(Catalog::kMaxGames * servers)) {
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

  // The queue shown (model/queue_estimate.h, docs/queue.md). Read by the shards on a status
  // poll, each on its own: a reader may see one moved and not yet another, which the clamp of
  // queue_position() absorbs.
  Counter queue_head_ticket{1};     // the oldest queued launch's ticket (the next one when empty)
  Counter queue_gap_ms;             // mean time between departures (windowed); 0: none yet
  Counter queue_last_departure_ms;  // monotonic ms (core/clock.h mono_ms)
  Counter queue_departures_milli;   // departures per second, in thousandths (the gauge)
  Counter start_ms;                 // learnt time from placed to running (configured at first)
  Counter queue_slots;              // session slots of the servers taking launches
  // Time from queued to placed, of the launches that queued.
  Counter queue_wait_buckets[kQueueWaitBucketsMs.size()];
  Counter queue_wait_sum_ms;
  Counter queue_wait_count;

  // Warm containers ready now, by game and server (ringside_warm_containers{game,server}).
  // Sized once for every game a catalog may ever hold (Catalog::kMaxGames), so that a game a
  // reload appends never resizes what other threads read.
  Counter& warm_ready(uint32_t game, uint32_t server) {
    return warm_ready_[size_t{game} * server_up.size() + server];
  }
  const Counter& warm_ready(uint32_t game, uint32_t server) const {
    return warm_ready_[size_t{game} * server_up.size() + server];
  }
  // Launches by how their container was got (StartKind: warm, cached, pulled).
  Counter started_warm;
  Counter started_cached;
  Counter started_pulled;

 private:
  std::unique_ptr<Counter[]> warm_ready_;
};

}  // namespace ringside

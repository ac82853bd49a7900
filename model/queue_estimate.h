#pragma once
// Where a queued launch stands and when it may start, without a scan of the queue (SPEC "Time
// limits and the queue"; docs/queue.md). The I/O core gives each launch that enters the queue
// a ticket from a per-process counter and publishes the head ticket (the oldest still queued),
// the length and the measured departure gap; the owner shard keeps the session's ticket and
// computes from these on each poll.
#include <algorithm>
#include <cstdint>

namespace ringside {

// Tickets start at 1; 0 on a session means "not known yet" (its phase message is on the way).
inline constexpr uint32_t kNoTicket = 0;

// 1 = next. ticket - head + 1, clamped to [1, length]: an upper bound, exact while the queue
// moves in order (a later launch that fits where an older one does not may pass it, at most
// Scheduler::kDefaultMaxBypass times). Modular: the counter may wrap.
inline uint64_t queue_position(uint32_t ticket, uint32_t head, uint64_t length) {
  const uint32_t ahead = ticket - head;
  const uint64_t most = std::max<uint64_t>(length, 1);
  if (ahead >= 0x80000000u) return 1;  // older than the head: placed a moment ago
  return std::min<uint64_t>(uint64_t{ahead} + 1, most);
}

// What the estimate is made of, as the I/O core publishes it.
struct QueueFigures {
  uint64_t gap_ms = 0;              // mean time between departures (windowed); 0: none yet
  uint64_t since_departure_ms = 0;  // since the last departure (0 when none measured)
  uint64_t start_ms = 0;            // learnt (EWMA) or configured time from placed to running
  uint64_t slots = 0;               // session slots of the servers taking launches
};

// Seconds until the launch at `position` runs: `position` departures, one per gap, then its
// own start. The gap is the measured one, stretched to the time since the last departure when
// that is longer (a queue that stopped moving does not keep a stale promise); before any
// measurement it is the start time over the fleet's slots (the fleet turning over once per
// start time: a floor, since sessions must end first). Rounded up.
inline uint64_t estimated_start_seconds(uint64_t position, const QueueFigures& q) {
  uint64_t gap = q.gap_ms != 0 ? std::max(q.gap_ms, q.since_departure_ms)
                               : q.start_ms / std::max<uint64_t>(q.slots, 1);
  const uint64_t ms = position * gap + q.start_ms;
  return (ms + 999) / 1000;
}

}  // namespace ringside

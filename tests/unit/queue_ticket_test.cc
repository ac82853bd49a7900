// The queue shown without a scan (model/queue_estimate.h, docs/queue.md): the scheduler's
// tickets and head, the position a shard computes from them, the departure rate measured on the
// I/O core, and the estimate made of both.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "model/queue_estimate.h"
#include "sched/departure_rate.h"
#include "sched/scheduler.h"

namespace ringside {
namespace {

using Outcome = Scheduler::Outcome;

ServerState one_slot_server() {
  ServerState s;
  s.name = "a";
  s.cpu_capacity_millicores = 8000;
  s.memory_capacity_mb = 16000;
  s.slot_capacity = 1;
  return s;
}

PlacementRequest request(uint64_t id) { return {id, 0, ResourceProfile{1, 1000, 1, 1}}; }

// A one-slot server with `queued` launches waiting behind the one running (request 0).
struct QueuedScheduler {
  explicit QueuedScheduler(int queued) {
    sched.add_server(one_slot_server());
    Placement p{};
    EXPECT_EQ(sched.submit(request(0), &p), Outcome::kPlaced);
    running = p;
    for (int i = 1; i <= queued; ++i) {
      uint32_t ticket = 0;
      EXPECT_EQ(sched.submit(request(static_cast<uint64_t>(i)), &p, &ticket), Outcome::kQueued);
      tickets.push_back(ticket);
    }
  }
  uint64_t position(size_t i) const {
    return queue_position(tickets[i], sched.head_ticket(), sched.queued());
  }
  Scheduler sched{16};
  Placement running{};
  std::vector<uint32_t> tickets;
};

TEST(QueueTicket, QueuedLaunchesGetConsecutiveTicketsAndPositionsOneToN) {
  QueuedScheduler q(4);
  EXPECT_EQ(q.tickets, (std::vector<uint32_t>{1, 2, 3, 4}));
  EXPECT_EQ(q.sched.head_ticket(), 1u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(q.position(i), i + 1);
}

TEST(QueueTicket, PositionsFallAsTheQueueMovesAndWhenOneAheadLeaves) {
  QueuedScheduler q(4);
  std::vector<Placement> placed;
  q.sched.release(q.running.server, q.running.reserved, placed);  // the first queued is placed
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 1u);
  EXPECT_EQ(q.sched.head_ticket(), 2u);
  EXPECT_EQ(q.position(1), 1u);
  EXPECT_EQ(q.position(3), 3u);

  ASSERT_TRUE(q.sched.cancel(2));  // the one now first gives up
  EXPECT_EQ(q.position(2), 1u);
  EXPECT_EQ(q.position(3), 2u);
}

TEST(QueueTicket, APositionIsAnUpperBoundWhenOneInTheMiddleLeaves) {
  QueuedScheduler q(4);
  ASSERT_TRUE(q.sched.cancel(2));  // second of four leaves; the head stays
  EXPECT_EQ(q.position(0), 1u);
  EXPECT_EQ(q.position(3), 3u) << "clamped to the length: exact here";
  EXPECT_EQ(q.position(2), 3u) << "really second: an upper bound, never too small";
}

TEST(QueueTicket, AnEmptyQueuesHeadIsTheNextTicket) {
  QueuedScheduler q(1);
  std::vector<Placement> placed;
  q.sched.release(q.running.server, q.running.reserved, placed);
  EXPECT_EQ(q.sched.queued(), 0u);
  EXPECT_EQ(q.sched.head_ticket(), 2u);
}

TEST(QueuePosition, ClampsToOneAndTheLengthAndSurvivesTheCounterWrapping) {
  EXPECT_EQ(queue_position(5, 7, 3), 1u) << "older than the head: it was placed a moment ago";
  EXPECT_EQ(queue_position(20, 7, 3), 3u) << "never past the length";
  EXPECT_EQ(queue_position(9, 7, 0), 1u) << "an empty queue read a moment late";
  EXPECT_EQ(queue_position(2, 0xFFFFFFFEu, 10), 5u) << "tickets across the wrap";
}

TEST(DepartureRate, CountsDeparturesOverWindowsWhileTheQueueHoldsSomething) {
  DepartureRate rate;
  EXPECT_FALSE(rate.measured());
  EXPECT_EQ(rate.gap_ms(), 0u);
  EXPECT_EQ(rate.per_second_milli(), 0u);
  rate.queue_filled(10'000);
  rate.departed(12'000);  // one departure 2 s after the queue filled: the open window says 2 s
  EXPECT_EQ(rate.gap_ms(), 2000u);
  EXPECT_EQ(rate.per_second_milli(), 500u);
  rate.departed(20'000);  // the window closes: 2 in 10 s
  EXPECT_EQ(rate.gap_ms(), 5000u);
  EXPECT_EQ(rate.last_departure_ms(), 20'000u);
  // The queue sat empty for a minute: that time is not counted.
  rate.queue_filled(80'000);
  for (int i = 0; i < 4; ++i) rate.departed(82'500 + i * 2500);  // 4 in 10 s: 2.5 s apart
  // EWMA of the windows' rates: 0.2/s + 0.3 * (0.4/s - 0.2/s) = 0.26/s, one per 3.85 s.
  EXPECT_EQ(rate.gap_ms(), 3846u);
}

TEST(DepartureRate, ABurstDoesNotPromiseTheRateInsideIt) {
  // 640 sessions end together every 5 s (a storm's time limit), each end placing one queued
  // launch: 128 a second, though the gaps inside a burst are 0 ms.
  DepartureRate rate;
  rate.queue_filled(0);
  for (uint64_t t = 5'000; t <= 60'000; t += 5'000) {
    for (int i = 0; i < 640; ++i) rate.departed(t);
  }
  // The first window saw one burst in 10 s (64/s); the EWMA closes in on 128/s after it. A mean
  // of the gaps would say 1000/s (1 ms each, the least a gap is counted as).
  EXPECT_GT(rate.per_second_milli(), 110'000u);
  EXPECT_LT(rate.per_second_milli(), 130'000u);
}

TEST(QueueEstimate, MeasuredIsPositionTimesTheGapPlusTheStart) {
  QueueFigures q;
  q.gap_ms = 4000;
  q.start_ms = 1500;
  EXPECT_EQ(estimated_start_seconds(1, q), 6u);   // 5.5 s, rounded up
  EXPECT_EQ(estimated_start_seconds(3, q), 14u);  // 13.5 s
  q.since_departure_ms = 10'000;  // stuck for longer than its mean gap: the gap stretches
  EXPECT_EQ(estimated_start_seconds(3, q), 32u);
}

TEST(QueueEstimate, BeforeAnyMeasurementTheFleetTurnsOverOncePerStartTime) {
  QueueFigures q;
  q.start_ms = 8000;
  q.slots = 4;
  EXPECT_EQ(estimated_start_seconds(1, q), 10u);  // 2 s a slot, then its own 8 s start
  EXPECT_EQ(estimated_start_seconds(8, q), 24u);  // 16 + 8
  q.slots = 0;                                    // every server down: one slot assumed
  EXPECT_EQ(estimated_start_seconds(1, q), 16u);
}

}  // namespace
}  // namespace ringside

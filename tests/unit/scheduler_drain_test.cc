// The drain pass (Scheduler::drain_queue, after each release): first fit with aging. Each
// placement passes the requests kept ahead of it; one passed max_bypass times holds the queue
// from that placement on, in the same pass and the next ones; a request no up server could
// hold never does. The pass stops early (held, or no slot left) and leaves the rest in order.
#include <gtest/gtest.h>

#include <vector>

#include "sched/scheduler.h"
#include "tests/unit/scheduler_servers.h"

namespace ringside {
namespace {

using Outcome = Scheduler::Outcome;

PlacementRequest request(uint64_t id, double cores, double memory_mb = 100) {
  return {id, 0, ResourceProfile{cores, memory_mb, 1, 1}};
}

std::vector<uint64_t> ids(const std::vector<Placement>& placed) {
  std::vector<uint64_t> out;
  for (const Placement& p : placed) out.push_back(p.request_id);
  return out;
}

TEST(SchedulerDrain, APassStopsOnceItHasPassedARequestItsAllowance) {
  Scheduler sched(8, /*max_bypass=*/2);
  sched.add_server(make_server("a", 5, 16000, 16));
  Placement r1{}, r2{}, p{};
  ASSERT_EQ(sched.submit(request(1, 3), &r1), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 2), &r2), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(10, 5), &p), Outcome::kQueued);  // the whole server
  for (uint64_t id = 11; id <= 13; ++id)
    ASSERT_EQ(sched.submit(request(id, 1), &p), Outcome::kQueued);

  // 3 cores free: 11 and 12 pass the large one twice; 13 would fit but waits.
  std::vector<Placement> placed;
  sched.release(r1.server, r1.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(sched.queued(), 2u);

  // The count outlives the pass: 1 core frees, and still nothing passes.
  const Placement p11 = placed[0], p12 = placed[1];
  placed.clear();
  sched.release(p11.server, p11.reserved, placed);
  EXPECT_TRUE(placed.empty());
  sched.release(r2.server, r2.reserved, placed);
  EXPECT_TRUE(placed.empty());  // 4 of 5 cores free
  sched.release(p12.server, p12.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{10}));
  EXPECT_EQ(sched.queued(), 1u);  // 13: the server is full
}

TEST(SchedulerDrain, OnlyPlacementsBehindARequestPassIt) {
  Scheduler sched(8, /*max_bypass=*/3);
  sched.add_server(make_server("a", 5, 16000, 16));
  Placement r1{}, r2{}, p{};
  ASSERT_EQ(sched.submit(request(1, 3), &r1), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 2), &r2), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(10, 1), &p), Outcome::kQueued);  // ahead of the large one
  ASSERT_EQ(sched.submit(request(11, 5), &p), Outcome::kQueued);  // the whole server
  ASSERT_EQ(sched.submit(request(12, 1), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(13, 1), &p), Outcome::kQueued);

  // 3 cores free: 10, 12 and 13 go; only 12 and 13 passed the large one.
  std::vector<Placement> placed;
  sched.release(r1.server, r1.reserved, placed);
  ASSERT_EQ(ids(placed), (std::vector<uint64_t>{10, 12, 13}));
  ASSERT_EQ(sched.submit(request(14, 1), &p), Outcome::kQueued);  // full

  // So one more may pass it: 14 takes the freed core (which a count of 3 would have held).
  const Placement p10 = placed[0];
  placed.clear();
  sched.release(p10.server, p10.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{14}));
  // And that was its allowance.
  EXPECT_EQ(sched.submit(request(15, 1), &p), Outcome::kQueued);
}

TEST(SchedulerDrain, ARequestNoUpServerCouldHoldIsPassedWithoutEnd) {
  Scheduler sched(8, /*max_bypass=*/0);
  sched.add_server(make_server("small", 2, 16000, 16));
  sched.add_server(make_server("large, down", 16, 64000, 16));
  sched.set_server_up(1, false);
  Placement r{}, p{};
  ASSERT_EQ(sched.submit(request(1, 2), &r), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(10, 8), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(11, 1), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(12, 1), &p), Outcome::kQueued);

  std::vector<Placement> placed;
  sched.release(r.server, r.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{11, 12}));
  EXPECT_EQ(sched.queued(), 1u);
}

TEST(SchedulerDrain, APassThatRunsOutOfSlotsLeavesTheRestInOrder) {
  Scheduler sched(8);
  sched.add_server(make_server("a", 8, 16000, 1));
  sched.add_server(make_server("b", 8, 16000, 1));
  Placement ra{}, rb{}, p{};
  ASSERT_EQ(sched.submit(request(1, 1), &ra), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 1), &rb), Outcome::kPlaced);
  uint32_t first_ticket = 0;
  ASSERT_EQ(sched.submit(request(10, 1), &p, &first_ticket), Outcome::kQueued);
  for (uint64_t id = 11; id <= 14; ++id)
    ASSERT_EQ(sched.submit(request(id, 1), &p), Outcome::kQueued);

  std::vector<Placement> placed;
  sched.release(ra.server, ra.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{10}));
  EXPECT_EQ(sched.queued(), 4u);
  EXPECT_EQ(sched.head_ticket(), first_ticket + 1);

  EXPECT_TRUE(sched.cancel(12));
  sched.release(rb.server, rb.reserved, placed);
  sched.release(placed[0].server, placed[0].reserved, placed);
  sched.release(placed[1].server, placed[1].reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{10, 11, 13, 14}));
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(SchedulerDrain, ARequestIsSkippedOnlyIfLargerInEveryFigureThanOneThatFitNowhere) {
  Scheduler sched(8);
  sched.add_server(make_server("a", 4, 5000, 16));
  Placement memory_heavy{}, cpu_heavy{}, p{};
  ASSERT_EQ(sched.submit(request(1, 1, 4500), &memory_heavy), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 3, 100), &cpu_heavy), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(10, 2, 1000), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(11, 3, 100), &p), Outcome::kQueued);  // more CPU, less memory
  ASSERT_EQ(sched.submit(request(12, 1, 50), &p), Outcome::kQueued);

  // 3 cores and 500 MB free: 10 lacks memory; 11, larger in CPU only, still fits.
  std::vector<Placement> placed;
  sched.release(cpu_heavy.server, cpu_heavy.reserved, placed);
  EXPECT_EQ(ids(placed), (std::vector<uint64_t>{11}));
  EXPECT_EQ(sched.queued(), 2u);
}

}  // namespace
}  // namespace ringside

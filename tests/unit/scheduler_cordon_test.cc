// A cordoned server (POST /operator/servers/{name}/cordon) takes no new placement; what runs
// there stays, and the queue waits for another server or for the uncordon.
#include <gtest/gtest.h>

#include <vector>

#include "sched/scheduler.h"

namespace ringside {
namespace {

using Outcome = Scheduler::Outcome;

ServerState make_server(const char* name, uint32_t slots) {
  ServerState s;
  s.name = name;
  s.cpu_capacity_millicores = 8000;
  s.memory_capacity_mb = 16000;
  s.slot_capacity = slots;
  return s;
}

PlacementRequest request(uint64_t id, uint32_t image = 0) {
  return {id, image, ResourceProfile{1.0, 1000, 1, 1}};
}

TEST(SchedulerCordon, NewPlacementsGoToTheOtherServerEvenWithTheImageCached) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 4));
  sched.add_server(make_server("b", 4));
  sched.server(0).add_image(0);  // "a" would win on its cache
  sched.set_server_cordoned(0, true);
  Placement p{};
  for (uint64_t id = 1; id <= 3; ++id) {
    ASSERT_EQ(sched.submit(request(id), &p), Outcome::kPlaced);
    EXPECT_EQ(p.server, 1u);
  }
  EXPECT_EQ(sched.server(0).slots_used, 0u);
  EXPECT_TRUE(sched.server(0).up);  // cordoned is not down
}

TEST(SchedulerCordon, RunningSessionsStayAndReleaseAsUsual) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 4));
  Placement p{};
  ASSERT_EQ(sched.submit(request(1), &p), Outcome::kPlaced);
  sched.set_server_cordoned(0, true);
  EXPECT_EQ(sched.server(0).slots_used, 1u);
  std::vector<Placement> placed;
  sched.release(0, p.reserved, placed);
  EXPECT_EQ(sched.server(0).slots_used, 0u);
  EXPECT_EQ(sched.server(0).cpu_reserved_millicores, 0u);
  EXPECT_TRUE(placed.empty());
}

TEST(SchedulerCordon, QueuedLaunchesWaitUntilUncordoned) {
  Scheduler sched(4);
  sched.add_server(make_server("only", 4));
  sched.set_server_cordoned(0, true);
  Placement p{};
  ASSERT_EQ(sched.submit(request(1), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(2), &p), Outcome::kQueued);
  std::vector<Placement> placed;
  sched.drain_queue(placed);
  EXPECT_TRUE(placed.empty());  // room there, but cordoned
  EXPECT_EQ(sched.queued(), 2u);

  sched.set_server_cordoned(0, false);
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[0].request_id, 1u);
  EXPECT_EQ(placed[1].request_id, 2u);
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(SchedulerCordon, QueuedLaunchesGoToAnotherServerWhenItFrees) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 4));
  sched.add_server(make_server("b", 1));
  sched.set_server_cordoned(0, true);
  Placement first{};
  ASSERT_EQ(sched.submit(request(1), &first), Outcome::kPlaced);
  EXPECT_EQ(first.server, 1u);
  Placement p{};
  ASSERT_EQ(sched.submit(request(2), &p), Outcome::kQueued);  // "a" has room, but cordoned
  std::vector<Placement> placed;
  sched.release(1, first.reserved, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 2u);
  EXPECT_EQ(placed[0].server, 1u);
}

TEST(SchedulerCordon, ARequestOnlyACordonedServerCouldHoldNeverHoldsTheQueue) {
  Scheduler sched(8, /*max_bypass=*/0);
  ServerState big = make_server("big", 4);
  big.cpu_capacity_millicores = 16000;
  sched.add_server(big);
  sched.add_server(make_server("small", 4));
  sched.set_server_cordoned(0, true);
  Placement p{};
  // 12 cores: only "big" could hold it, and it is cordoned; strict FIFO would let it stop
  // every later launch.
  ASSERT_EQ(sched.submit({1, 0, ResourceProfile{12.0, 1000, 1, 1}}, &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(2), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 1u);
}

}  // namespace
}  // namespace ringside

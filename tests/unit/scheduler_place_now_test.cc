// What warm pools ask of the Scheduler (docs/warm-pools.md, "Placement"): place_now places where
// submit() would or not at all (never queued), among the servers it is given; and whether a
// queued launch would fit once a placement is given back.
#include <gtest/gtest.h>

#include <vector>

#include "sched/scheduler.h"
#include "tests/unit/scheduler_servers.h"

namespace ringside {
namespace {

ResourceProfile cores(double n) {
  ResourceProfile p;
  p.cpu_cores = n;
  p.memory_mb = 100;
  return p;
}

TEST(SchedulerPlaceNowTest, PlacesLikeSubmitOrNotAtAllAndNeverQueues) {
  Scheduler s(8);
  s.add_server(make_server("a", 4, 1000, 2));
  s.add_server(make_server("b", 4, 1000, 2));
  s.server(1).add_image(3);
  Placement p{};
  ASSERT_TRUE(s.place_now({1, 3, cores(1)}, &p));
  EXPECT_EQ(p.server, 1u);  // the one with the image
  EXPECT_TRUE(p.cached);
  const std::vector<uint32_t> only_a = {0};
  ASSERT_TRUE(s.place_now({2, 3, cores(1)}, &p, &only_a));
  EXPECT_EQ(p.server, 0u);
  EXPECT_FALSE(s.place_now({3, 3, cores(4)}, &p, &only_a));  // 1 + 4 cores > 4
  EXPECT_EQ(s.queued(), 0u);
  EXPECT_EQ(s.server(0).slots_used, 1u);
  s.server(1).cordoned = true;
  ASSERT_TRUE(s.place_now({4, 3, cores(1)}, &p));
  EXPECT_EQ(p.server, 0u);  // a cordoned server takes nothing
}

TEST(SchedulerPlaceNowTest, TellsWhetherAQueuedLaunchFitsOnceAPlacementIsGivenBack) {
  Scheduler s(8);
  s.add_server(make_server("a", 4, 1000, 2));
  Placement warm{};
  Placement other{};
  ASSERT_TRUE(s.place_now({1, 0, cores(1)}, &warm));
  ASSERT_TRUE(s.place_now({2, 0, cores(1)}, &other));
  EXPECT_FALSE(s.queued_fits_after_release(0, warm.reserved));  // nothing queued
  Placement none{};
  ASSERT_EQ(s.submit({3, 5, cores(3)}, &none), Scheduler::Outcome::kQueued);  // no slot
  EXPECT_TRUE(s.queued_fits_after_release(0, warm.reserved));  // 1 + 3 cores, one slot
  EXPECT_TRUE(s.queues_image(5));
  EXPECT_FALSE(s.queues_image(0));
  ASSERT_EQ(s.submit({4, 6, cores(4)}, &none), Scheduler::Outcome::kQueued);
  EXPECT_FALSE(s.queued_fits_after_release(0, warm.reserved, true));  // the newest: 1 + 4 > 4
  EXPECT_TRUE(s.queued_fits_after_release(0, warm.reserved));
  s.server(0).cordoned = true;
  EXPECT_FALSE(s.queued_fits_after_release(0, warm.reserved));
}

}  // namespace
}  // namespace ringside

// A drain as a node converges to it from the database (app/server_cordons.h): past its deadline
// it stops what the node adopts on the server later (a restart, a partition taken over), an
// uncordon or a drain taken back ends that, and a deadline is one on the timers' clock.
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/placement_fixture.h"

namespace ringside::placement_testing {
namespace {

// The sessions the shard was asked to stop for a drain.
std::vector<Id128> drain_stops(const std::vector<Sent>& got) {
  std::vector<Id128> out;
  for (const Sent& s : got) {
    if (s.kind != kMsgStopForReason) continue;
    const StopForReason m = s.as<StopForReason>();
    EXPECT_EQ(m.reason, EndReason::kServerDrained);
    out.push_back(m.session);
  }
  return out;
}

TEST_F(PlacementTest, PastItsDeadlineADrainStopsWhatIsRecoveredThereLater) {
  placement_.drain(0, 0);  // nothing runs there yet
  EXPECT_TRUE(placement_.drained(0));
  EXPECT_TRUE(drain_stops(received()).empty());

  placement_.recover({recovered(1, SessionStatus::kRunning)});
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(1)});
  EXPECT_TRUE(placement_.cordoned(0));
}

TEST_F(PlacementTest, AnUncordonOrADrainTakenBackStopsNothingRecoveredLater) {
  placement_.drain(0, 0);
  placement_.set_cordoned(0, false);
  EXPECT_FALSE(placement_.drained(0));
  placement_.recover({recovered(1, SessionStatus::kRunning)});
  EXPECT_TRUE(drain_stops(received()).empty());

  placement_.drain_at(0, now_ + 1000);
  placement_.cancel_drain(0);
  advance(2000);
  placement_.stop_on_drained();
  EXPECT_TRUE(drain_stops(received()).empty());
  EXPECT_TRUE(placement_.cordoned(0));  // the cordon stays
}

TEST_F(PlacementTest, ADrainAtADeadlineStopsAtItAndAgainForWhatComesAfter) {
  place_running(1);
  placement_.drain_at(0, now_ + 1000);
  advance(990);
  EXPECT_TRUE(drain_stops(received()).empty());
  advance(20);
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(1)});
  EXPECT_TRUE(placement_.drained(0));

  // Session 1's stop came back from its shard: not asked again. Session 2, adopted after the
  // deadline, is stopped at once, and again each round until its shard's stop comes back.
  stop(1);
  received();
  placement_.recover({recovered(2, SessionStatus::kRunning)});
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(2)});
  placement_.stop_on_drained();
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(2)});
  stop(2);
  received();
  placement_.stop_on_drained();
  EXPECT_TRUE(drain_stops(received()).empty());
}

}  // namespace
}  // namespace ringside::placement_testing

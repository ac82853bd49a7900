// A drain as a node converges to it from the database (app/server_cordons.h): past its deadline
// it stops what the node adopts on the server later (a restart, a partition taken over), an
// uncordon or a drain taken back ends that, a deadline is one on the timers' clock, and with a
// database a timer that fires waits for a read to confirm it.
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
  // deadline, is stopped as it is adopted, and only then.
  stop(1);
  received();
  placement_.recover({recovered(2, SessionStatus::kRunning)});
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(2)});
  advance(5000);
  EXPECT_TRUE(drain_stops(received()).empty());
}

// With a database (app/server_cordons.h) the timer only asks for a read: another node may have
// taken the drain back or moved it just before the deadline.
class ConfirmedDrainTest : public PlacementTest {
 protected:
  ConfirmedDrainTest() {
    placement_.set_drain_confirm([this](uint32_t server) { asked_.push_back(server); });
  }
  std::vector<uint32_t> asked_;
};

TEST_F(ConfirmedDrainTest, ATimerThatFiresStopsNothingUntilAReadConfirmsTheDeadline) {
  place_running(1);
  placement_.drain_at(0, now_ + 1000);
  advance(1010);
  EXPECT_EQ(asked_, std::vector<uint32_t>{0});
  EXPECT_TRUE(placement_.drain_due(0));
  EXPECT_FALSE(placement_.drained(0));
  EXPECT_TRUE(drain_stops(received()).empty());

  // The read still shows the row, its deadline passed.
  placement_.drain_at(0, now_);
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(1)});
  EXPECT_TRUE(placement_.drained(0));
  EXPECT_FALSE(placement_.drain_due(0));
}

TEST_F(ConfirmedDrainTest, AReadWithoutTheRowStopsNothing) {
  place_running(1);
  placement_.drain_at(0, now_ + 1000);
  advance(1010);
  ASSERT_TRUE(placement_.drain_due(0));
  placement_.set_cordoned(0, false);  // uncordoned on another node before the deadline
  advance(5000);
  placement_.recover({recovered(2, SessionStatus::kRunning)});
  EXPECT_TRUE(drain_stops(received()).empty());
  EXPECT_FALSE(placement_.drain_due(0));
  EXPECT_FALSE(placement_.drained(0));
}

TEST_F(ConfirmedDrainTest, AReadWithALaterDeadlineWaitsForThatOne) {
  place_running(1);
  placement_.drain_at(0, now_ + 1000);
  advance(1010);
  placement_.drain_at(0, now_ + 2000);  // drained again on another node, a later deadline
  advance(1990);
  EXPECT_EQ(asked_, std::vector<uint32_t>{0});
  EXPECT_TRUE(drain_stops(received()).empty());
  advance(20);
  EXPECT_EQ(asked_, (std::vector<uint32_t>{0, 0}));
  EXPECT_TRUE(drain_stops(received()).empty());
}

class TwoServerDrainTest : public PlacementTest {
 protected:
  TwoServerDrainTest() : PlacementTest(test_fleet(2)) {}
};

// A session the backend finds on a drained server after it was adopted (a start recovered
// without its server, or one started elsewhere than placed) is stopped as it is found there.
TEST_F(TwoServerDrainTest, ASessionFoundOnADrainedServerIsStopped) {
  place(1);  // gs01
  placement_.drain(1, 0);
  EXPECT_TRUE(drain_stops(received()).empty());
  placement_.on_relocated(session_id(1), 1);
  EXPECT_EQ(drain_stops(received()), std::vector<Id128>{session_id(1)});
}

}  // namespace
}  // namespace ringside::placement_testing

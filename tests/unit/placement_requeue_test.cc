// A launch accepted but never placed (queued, or pulling) when its node died or restarted: the
// store has it starting with no server. The backend finds nothing of it anywhere and gives it
// back (on_no_room); placement places it again as a new launch — on a server, or queued — so
// nothing accepted is lost. A stop asked meanwhile ends it stopped, once.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/unit/placement_fixture.h"

namespace ringside {
namespace {

using namespace placement_testing;

ActiveSession never_placed(uint64_t n, StartPhase phase) {
  ActiveSession a = recovered(n, SessionStatus::kStarting);
  a.session.has_server = false;
  a.session.phase = phase;
  return a;
}

size_t count_final(const std::vector<Sent>& got) {
  return static_cast<size_t>(std::count_if(got.begin(), got.end(), [](const Sent& m) {
    return m.kind == kMsgSessionStopped || m.kind == kMsgSessionFailed;
  }));
}

// The simulated fleet: nothing of a start without a server outlived the process.
TEST_F(PlacementTest, ANeverPlacedLaunchIsPlacedAgainAndRunsAfterARestart) {
  placement_.recover({never_placed(1, StartPhase::kPulling)});
  advance(0);
  EXPECT_EQ(server().slots_used, 1u);
  advance(kStartMs);
  const std::vector<Sent> got = received();
  EXPECT_EQ(count_final(got), 0u);
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.back().kind, kMsgSessionRunning);
  EXPECT_EQ(got.back().as<SessionRunning>().session, session_id(1));
  EXPECT_EQ(placement_.active(), 1u);
}

TEST_F(PlacementTest, ANeverPlacedLaunchWaitsQueuedWhenTheFleetIsFullThenRuns) {
  place_running(2);
  place_running(3);  // both slots taken
  placement_.recover({never_placed(1, StartPhase::kPulling)});
  advance(0);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionPhase);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().session, session_id(1));
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  EXPECT_EQ(placement_.queued(), 1u);

  stop(2);
  advance(kStartMs);  // 2 stops, 1 takes its slot and comes up
  advance(kStartMs);
  got = received();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().kind, kMsgSessionRunning);
  EXPECT_EQ(got.back().as<SessionRunning>().session, session_id(1));
  EXPECT_EQ(placement_.queued(), 0u);
}

TEST_F(PlacementTest, ANeverPlacedLaunchIsRefusedNoServersWhenTheQueueIsFull) {
  place_running(2);
  place_running(3);
  place(4);
  place(5);  // the queue (2) is full
  (void)received();
  placement_.recover({never_placed(1, StartPhase::kQueued)});
  advance(0);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionFailed);
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kNoServers);
}

TEST_F(PlacementTest, AStopOfANeverPlacedLaunchBeforeItIsGivenBackEndsItStoppedOnce) {
  placement_.recover({never_placed(1, StartPhase::kQueued)});
  stop(1);
  EXPECT_TRUE(received().empty());  // waits for the backend's report
  advance(0);
  advance(kStartMs);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[0].as<SessionStopped>().figures.cpu_seconds, 0.0);
  EXPECT_EQ(sim_->session_count(), 0u);
  EXPECT_EQ(placement_.active(), 0u);
  expect_nothing_reserved();
}

// The same contract with a backend the test drives (Docker's: found on no engine).
class PlacementRequeueTest : public PlacementTest {
 protected:
  PlacementRequeueTest() {
    backend_.finds_unplaced = true;
    placement_.attach(backend_);
  }
  SilentBackend backend_;
};

// Its shard is told it waits again (phase queued), whatever phase its row had (pulling here).
TEST_F(PlacementRequeueTest, ANoRoomForARecoveredStartWithoutAServerQueuesItWithPhaseQueued) {
  place(2);
  place(3);  // both slots taken
  placement_.on_running(session_id(2));
  placement_.on_running(session_id(3));
  (void)received();
  placement_.recover({never_placed(1, StartPhase::kPulling)});
  ASSERT_EQ(backend_.recovered.size(), 1u);
  EXPECT_EQ(backend_.recovered[0].server, kUnknownServer);

  placement_.on_no_room(session_id(1));
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionPhase);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().session, session_id(1));
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  EXPECT_EQ(placement_.queued(), 1u);
  EXPECT_EQ(backend_.started.size(), 2u);

  placement_.on_lost(session_id(2), SessionError::kContainerLost);  // a slot frees
  ASSERT_EQ(backend_.started.size(), 3u);
  EXPECT_EQ(backend_.started.back().session, session_id(1));
}

// Sent back to the queue once (on_no_room), its row says queued but still names the server
// of its first create (the store keeps a server once written): looked for everywhere, not
// failed as a start cut short on that server.
TEST_F(PlacementRequeueTest, ARecoveredQueuedStartIsLookedForEverywhereWhateverServerItsRowNames) {
  ActiveSession queued_again = recovered(1, SessionStatus::kStarting);
  queued_again.session.phase = StartPhase::kQueued;                 // has_server, server 0
  ActiveSession creating = recovered(2, SessionStatus::kStarting);  // phase creating
  placement_.recover({queued_again, creating});
  ASSERT_EQ(backend_.recovered.size(), 2u);
  EXPECT_EQ(backend_.recovered[0].server, kUnknownServer);
  EXPECT_EQ(backend_.recovered[1].server, 0u);
  EXPECT_EQ(server().slots_used, 1u);  // the creating one only

  placement_.on_no_room(session_id(1));
  ASSERT_EQ(backend_.started.size(), 1u);
  EXPECT_EQ(backend_.started[0].session, session_id(1));
  EXPECT_EQ(count_final(received()), 0u);
}

TEST_F(PlacementRequeueTest, AStopAskedWhileRecoveringEndsANoRoomStartStoppedOnce) {
  placement_.recover({never_placed(1, StartPhase::kQueued)});
  stop(1);
  EXPECT_TRUE(received().empty());
  placement_.on_no_room(session_id(1));
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_TRUE(backend_.started.empty());
  expect_nothing_reserved();

  placement_.on_no_room(session_id(1));  // reported twice: the ended record stays as it is
  EXPECT_TRUE(received().empty());
  EXPECT_TRUE(backend_.started.empty());
}

}  // namespace
}  // namespace ringside

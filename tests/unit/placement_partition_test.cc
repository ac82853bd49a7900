// Cluster mode: a partition leaving this node (lost or handed over) makes placement forget its
// sessions without stopping them, and launches of a partition not served here are not placed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/partition.h"
#include "tests/unit/placement_fixture.h"

namespace ringside {
namespace {

using namespace placement_testing;

TEST_F(PlacementTest, ForgettingAPartitionKeepsItsSessionsRunningAndSaysNothing) {
  place_running(1);  // player-1
  place(2, kAlpha, "someone-else");
  advance(kStartMs);
  (void)received();
  ASSERT_NE(partition_of_player("player-1"), partition_of_player("someone-else"));
  const uint32_t used_before = server().slots_used;

  EXPECT_EQ(placement_.forget_partition(partition_of_player("player-1")), 1u);

  // Not stopped: the backend still runs it, and nothing went to the shard.
  advance(60'000);
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(placement_.active(), 1u);
  EXPECT_EQ(server().slots_used, used_before - 1);
  // Its stop, should it still come, is no longer this node's to carry out.
  stop(1);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.cpu_seconds));
}

class PlacementForgetTest : public PlacementTest {
 protected:
  PlacementForgetTest() : PlacementTest(test_fleet(2)) { placement_.attach(backend_); }
  SilentBackend backend_;
};

// The backend lets go of every session of the partition it was given, without a stop, so that
// it stops driving them (the next owner adopts them); a queued launch it never had.
TEST_F(PlacementForgetTest, ForgettingAPartitionTellsTheBackendOfThePlacedSessionsOnly) {
  ASSERT_NE(partition_of_player("player-1"), partition_of_player("someone-else"));
  placement_.recover({recovered(4, SessionStatus::kRunning)});  // not reported yet
  place(1);
  placement_.on_running(session_id(1));
  place(5);  // starting
  place(6);
  placement_.on_running(session_id(6));
  stop(6);   // stopping
  place(2);  // queued: the 4 slots are taken
  place(3, kAlpha, "someone-else");
  ASSERT_EQ(placement_.queued(), 2u);
  ASSERT_EQ(backend_.started.size(), 3u);

  EXPECT_EQ(placement_.forget_partition(partition_of_player("player-1")), 5u);

  std::vector<Id128> forgotten = backend_.forgotten;
  std::sort(forgotten.begin(), forgotten.end(),
            [](const Id128& a, const Id128& b) { return a.lo < b.lo; });
  EXPECT_EQ(forgotten,
            (std::vector<Id128>{session_id(1), session_id(4), session_id(5), session_id(6)}));
  // The other partition's launch takes the room given back; session 2 is not started.
  ASSERT_EQ(backend_.started.size(), 4u);
  EXPECT_EQ(backend_.started[3].session, session_id(3));
  EXPECT_EQ(placement_.queued(), 0u);
}

TEST_F(PlacementTest, ALaunchOfAPartitionNotServedHereIsNotPlaced) {
  const uint16_t mine = partition_of_player("player-1");
  placement_.set_serves([mine](uint16_t p) { return p != mine; });
  place(1);
  advance(kStartMs);
  EXPECT_TRUE(received().empty());
  expect_nothing_reserved();
  EXPECT_EQ(placement_.active(), 0u);
}

// A launch committed but never placed (its shard released the partition before placement ran,
// or the old owner died first): the new owner loads it starting, queued, with no server.
// Nothing of it runs anywhere (the sim backend, like Docker's, finds none): the new owner
// places it again and it runs — the launch the player was told was accepted is not lost.
TEST_F(PlacementTest, ALaunchCommittedButNeverPlacedIsPlacedAgainAndRunsAtTheNewOwner) {
  ActiveSession never_placed = recovered(1, SessionStatus::kStarting);
  never_placed.session.has_server = false;
  never_placed.session.phase = StartPhase::kQueued;
  placement_.recover({never_placed});
  advance(0);
  advance(kStartMs);
  const std::vector<Sent> got = received();
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(std::none_of(got.begin(), got.end(),
                           [](const Sent& m) { return m.kind == kMsgSessionFailed; }));
  ASSERT_EQ(got.back().kind, kMsgSessionRunning);
  EXPECT_EQ(got.back().as<SessionRunning>().session, session_id(1));
  EXPECT_EQ(placement_.active(), 1u);
  EXPECT_EQ(server().slots_used, 1u);
}

}  // namespace
}  // namespace ringside

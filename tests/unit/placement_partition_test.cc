// Cluster mode: a partition leaving this node (lost or handed over) makes placement forget its
// sessions without stopping them, and launches of a partition not served here are not placed.
#include <gtest/gtest.h>

#include <cmath>

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

TEST_F(PlacementTest, ALaunchOfAPartitionNotServedHereIsNotPlaced) {
  const uint16_t mine = partition_of_player("player-1");
  placement_.set_serves([mine](uint16_t p) { return p != mine; });
  place(1);
  advance(kStartMs);
  EXPECT_TRUE(received().empty());
  expect_nothing_reserved();
  EXPECT_EQ(placement_.active(), 0u);
}

}  // namespace
}  // namespace ringside

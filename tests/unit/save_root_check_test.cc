// The decision of a Docker-backed cluster node about its save root (app/save_root_check.h):
// shared when every peer's marker holds its row's nonce; not shared after two readings of the
// same row nonce that do not match; a peer's restart (a new nonce) starts its count again.
#include "app/save_root_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ringside {
namespace {

using Verdict = SaveRootPeers::Verdict;

ClusterMember member(std::string id, std::string nonce, uint64_t age_ms = 100) {
  ClusterMember m;
  m.node_id = std::move(id);
  m.save_root_nonce = std::move(nonce);
  m.heartbeat_age_ms = age_ms;
  return m;
}

// Fills each reading as a save root holding `markers` (peer -> content) would.
std::vector<SaveRootReading> read(std::vector<SaveRootReading> readings,
                                  const std::vector<std::pair<std::string, std::string>>& markers) {
  for (SaveRootReading& r : readings) {
    for (const auto& [peer, content] : markers) {
      if (peer == r.peer) {
        r.found = true;
        r.read = content;
      }
    }
    if (!r.found) r.error = "No such file or directory";
  }
  return readings;
}

TEST(SaveRootCheckTest, ANodeAloneOrAmongNodesWithoutMarkersHasNothingToCompare) {
  SaveRootPeers peers("node-2", 5000);
  EXPECT_TRUE(peers.to_read({member("node-2", "n2")}).empty());
  // A node of another backend (no nonce) and one about to be declared dead are not compared.
  EXPECT_TRUE(peers.to_read({member("node-1", ""), member("node-3", "n3", 6000)}).empty());
}

TEST(SaveRootCheckTest, EveryPeerFoundWithItsRowsNonceIsShared) {
  SaveRootPeers peers("node-3", 5000);
  const auto readings =
      peers.to_read({member("node-1", "n1"), member("node-2", "n2"), member("node-3", "n3")});
  ASSERT_EQ(readings.size(), 2u);
  SaveRootReading failed;
  EXPECT_EQ(peers.take(read(readings, {{"node-1", "n1"}, {"node-2", "n2"}}), &failed),
            Verdict::kShared);
}

TEST(SaveRootCheckTest, AMissingMarkerTwiceIsNotShared) {
  SaveRootPeers peers("node-2", 5000);
  SaveRootReading failed;
  auto readings = peers.to_read({member("node-1", "n1")});
  EXPECT_EQ(peers.take(read(readings, {}), &failed), Verdict::kUndecided);
  readings = peers.to_read({member("node-1", "n1")});
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(peers.take(read(readings, {}), &failed), Verdict::kNotShared);
  EXPECT_EQ(failed.peer, "node-1");
  EXPECT_FALSE(failed.found);
  EXPECT_EQ(failed.error, "No such file or directory");
}

TEST(SaveRootCheckTest, AnotherRunsMarkerTwiceIsNotShared) {
  // A save root that once was shared keeps an old marker of node-1: not this run's.
  SaveRootPeers peers("node-2", 5000);
  SaveRootReading failed;
  EXPECT_EQ(peers.take(read(peers.to_read({member("node-1", "n1")}), {{"node-1", "old"}}), &failed),
            Verdict::kUndecided);
  EXPECT_EQ(peers.take(read(peers.to_read({member("node-1", "n1")}), {{"node-1", "old"}}), &failed),
            Verdict::kNotShared);
  EXPECT_TRUE(failed.found);
  EXPECT_EQ(failed.read, "old");
}

TEST(SaveRootCheckTest, APeerRestartingBetweenItsRowAndItsMarkerIsReadAgain) {
  // node-1 restarted: its marker says n1b while the row read still says n1; its next
  // heartbeat writes n1b into the row.
  SaveRootPeers peers("node-2", 5000);
  SaveRootReading failed;
  EXPECT_EQ(peers.take(read(peers.to_read({member("node-1", "n1")}), {{"node-1", "n1b"}}), &failed),
            Verdict::kUndecided);
  EXPECT_EQ(
      peers.take(read(peers.to_read({member("node-1", "n1b")}), {{"node-1", "n1b"}}), &failed),
      Verdict::kShared);
}

TEST(SaveRootCheckTest, APeerFoundSharingIsNotReadAgainButAnotherStillDecides) {
  SaveRootPeers peers("node-3", 5000);
  SaveRootReading failed;
  auto readings = peers.to_read({member("node-1", "n1"), member("node-2", "n2")});
  EXPECT_EQ(peers.take(read(readings, {{"node-1", "n1"}}), &failed), Verdict::kUndecided);
  readings = peers.to_read({member("node-1", "n1"), member("node-2", "n2")});
  ASSERT_EQ(readings.size(), 1u);
  EXPECT_EQ(readings[0].peer, "node-2");
  EXPECT_EQ(peers.take(read(readings, {{"node-1", "n1"}}), &failed), Verdict::kNotShared);
  EXPECT_EQ(failed.peer, "node-2");
}

}  // namespace
}  // namespace ringside

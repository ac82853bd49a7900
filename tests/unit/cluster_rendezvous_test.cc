// Rendezvous assignment of the partitions over the live nodes, and the lease arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "model/partition.h"
#include "store/cluster/cluster_timing.h"
#include "store/cluster/rendezvous.h"

namespace ringside {
namespace {

std::vector<std::string> node_names(size_t n) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) names.push_back("node-" + std::to_string(i + 1));
  return names;
}

std::vector<int> assign(const std::vector<std::string>& names) {
  return rendezvous_assign(std::vector<std::string_view>(names.begin(), names.end()));
}

// The node id each partition goes to.
std::vector<std::string> owners(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (int i : assign(names)) out.push_back(i < 0 ? "" : names[static_cast<size_t>(i)]);
  return out;
}

TEST(Rendezvous, NoNodesNoOwnerOneNodeOwnsEverything) {
  EXPECT_EQ(assign({}), std::vector<int>(kPartitionCount, -1));
  EXPECT_EQ(assign({"solo"}), std::vector<int>(kPartitionCount, 0));
}

TEST(Rendezvous, EveryNodeGetsAboutItsShareFromOneToThirtyTwoNodes) {
  for (size_t n = 1; n <= 32; ++n) {
    std::vector<size_t> count(n, 0);
    for (int i : assign(node_names(n))) ++count[static_cast<size_t>(i)];
    const double fair = double(kPartitionCount) / double(n);
    const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
    // Rendezvous hashing is a balls-into-bins draw: within half a share either way.
    EXPECT_GE(double(*lo), fair * 0.5) << n << " nodes";
    EXPECT_LE(double(*hi), fair * 1.5) << n << " nodes";
  }
}

TEST(Rendezvous, TheOrderOfTheNodesDoesNotMatter) {
  std::vector<std::string> names = node_names(7);
  const std::vector<std::string> before = owners(names);
  std::reverse(names.begin(), names.end());
  EXPECT_EQ(owners(names), before);
}

TEST(Rendezvous, AJoiningNodeTakesOnlyWhatMovesToItAndAboutItsShare) {
  for (size_t n = 1; n < 32; ++n) {
    std::vector<std::string> names = node_names(n);
    const std::vector<std::string> before = owners(names);
    names.push_back("joiner");
    const std::vector<std::string> after = owners(names);
    size_t moved = 0;
    for (size_t p = 0; p < kPartitionCount; ++p) {
      if (after[p] == before[p]) continue;
      EXPECT_EQ(after[p], "joiner") << "partition " << p << " moved between old nodes";
      ++moved;
    }
    const double fair = double(kPartitionCount) / double(n + 1);
    EXPECT_GE(double(moved), fair * 0.5) << n;
    EXPECT_LE(double(moved), fair * 1.5) << n;
  }
}

TEST(Rendezvous, ALeavingNodesPartitionsAloneMove) {
  for (size_t n = 2; n <= 32; ++n) {
    std::vector<std::string> names = node_names(n);
    const std::vector<std::string> before = owners(names);
    const std::string gone = names[n / 2];
    names.erase(names.begin() + static_cast<long>(n / 2));
    const std::vector<std::string> after = owners(names);
    for (size_t p = 0; p < kPartitionCount; ++p) {
      if (before[p] != gone) {
        EXPECT_EQ(after[p], before[p]) << "partition " << p << " of a staying node moved";
      } else {
        EXPECT_NE(after[p], gone);
      }
    }
  }
}

TEST(Lease, EndsLeaseValidAfterTheHeartbeatWasSentAndBeforeAnyoneMayTakeOver) {
  const ClusterTiming timing;
  EXPECT_EQ(timing.heartbeat_ms, 1000u);
  EXPECT_EQ(timing.dead_after_ms, 5000u);
  EXPECT_EQ(timing.lease_valid_ms, 3000u);
  EXPECT_TRUE(timing.sound());
  // Sent at 10 000, answered at 12 500 (a slow database): the lease counts from the send.
  EXPECT_EQ(lease_valid_until(10000, timing), 13000u);
  // The database stamped it at the earliest at the send, so survivors wait at least until
  // 15 000 by any clock running at the same rate: the lease ends 2 s before.
  EXPECT_LT(lease_valid_until(10000, timing), 10000 + timing.dead_after_ms);
}

TEST(Lease, TimingsThatWouldLetTwoNodesAnswerAreNotSound) {
  ClusterTiming t;
  t.lease_valid_ms = 5000;  // as long as dead-after
  EXPECT_FALSE(t.sound());
  t.lease_valid_ms = 4500;  // a heartbeat late and the lease outlives dead-after
  EXPECT_FALSE(t.sound());
  t.lease_valid_ms = 4000;
  EXPECT_TRUE(t.sound());
  t.heartbeat_ms = 0;
  EXPECT_FALSE(t.sound());
}

}  // namespace
}  // namespace ringside

// One round of the ownership protocol: whom to terminate, what to hand over, what to take.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/partition.h"
#include "store/cluster/ownership_plan.h"
#include "store/cluster/rendezvous.h"

namespace ringside {
namespace {

const ClusterTiming kTiming;  // the defaults: heartbeat 1 s, dead after 5 s, lease 3 s

ClusterMember member(const std::string& id, uint64_t age_ms, bool leaving = false,
                     bool connected = true) {
  ClusterMember m;
  m.node_id = id;
  m.advertise = id + ":8080";
  m.backend_pid = 100 + static_cast<int32_t>(id.size());
  m.heartbeat_age_ms = age_ms;
  m.leaving = leaving;
  m.connected = connected;
  return m;
}

std::vector<PartitionLock> held_by(const std::string& node, const std::vector<uint16_t>& ps,
                                   bool mine) {
  std::vector<PartitionLock> out;
  for (uint16_t p : ps) out.push_back({p, node, mine});
  return out;
}

std::vector<uint16_t> all_partitions() {
  std::vector<uint16_t> out;
  for (uint16_t p = 0; p < kPartitionCount; ++p) out.push_back(p);
  return out;
}

// The partitions rendezvous gives `who` among `nodes`.
std::vector<uint16_t> share_of(const std::string& who, std::vector<std::string_view> nodes) {
  std::sort(nodes.begin(), nodes.end());
  const auto target = rendezvous_assign(nodes);
  std::vector<uint16_t> out;
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    if (nodes[static_cast<size_t>(target[p])] == who) out.push_back(p);
  }
  return out;
}

TEST(OwnershipPlan, AloneItTakesEveryFreePartition) {
  RoundPlan plan = plan_round({member("a", 0)}, {}, "a", false, kTiming);
  EXPECT_EQ(plan.acquire, all_partitions());
  EXPECT_TRUE(plan.release.empty());
  EXPECT_TRUE(plan.terminate.empty());
  EXPECT_EQ(plan.live, std::vector<std::string>{"a"});
}

TEST(OwnershipPlan, OnJoinTheHolderReleasesTheJoinersShareAndTheJoinerWaitsForIt) {
  const std::vector<ClusterMember> members = {member("a", 100), member("b", 0)};
  const auto locks = held_by("a", all_partitions(), true);
  RoundPlan at_a = plan_round(members, locks, "a", false, kTiming);
  EXPECT_EQ(at_a.release, share_of("b", {"a", "b"}));
  EXPECT_TRUE(at_a.acquire.empty());

  auto seen_by_b = held_by("a", all_partitions(), false);
  RoundPlan at_b = plan_round(members, seen_by_b, "b", false, kTiming);
  EXPECT_TRUE(at_b.acquire.empty()) << "b may not take what a still holds";
  EXPECT_TRUE(at_b.release.empty());
  // Once a released them, b takes exactly its share.
  RoundPlan later =
      plan_round(members, held_by("a", share_of("a", {"a", "b"}), false), "b", false, kTiming);
  EXPECT_EQ(later.acquire, share_of("b", {"a", "b"}));
}

TEST(OwnershipPlan, ASilentNodeIsTerminatedOnlyPastDeadAfterByTheDatabaseClock) {
  const auto locks = held_by("b", share_of("b", {"a", "b"}), false);
  RoundPlan alive = plan_round({member("a", 0), member("b", 5000)}, locks, "a", false, kTiming);
  EXPECT_TRUE(alive.terminate.empty());
  EXPECT_EQ(alive.acquire, share_of("a", {"a", "b"}));

  RoundPlan dead = plan_round({member("a", 0), member("b", 5001)}, locks, "a", false, kTiming);
  ASSERT_EQ(dead.terminate.size(), 1u);
  EXPECT_EQ(dead.terminate[0].node_id, "b");
  EXPECT_EQ(dead.terminate[0].backend_pid, member("b", 0).backend_pid);
  // Its locks vanish only when the termination has happened: nothing it holds is taken yet.
  EXPECT_EQ(dead.acquire, share_of("a", {"a", "b"}));
  EXPECT_EQ(dead.live, std::vector<std::string>{"a"});
  // Next round, its locks are gone: everything is ours to take.
  RoundPlan after = plan_round({member("a", 0)}, held_by("a", share_of("a", {"a", "b"}), true), "a",
                               false, kTiming);
  EXPECT_EQ(after.acquire, share_of("b", {"a", "b"}));
}

TEST(OwnershipPlan, WeNeverTerminateOurselvesWhateverOurRowSays) {
  RoundPlan plan = plan_round({member("a", 60000)}, {}, "a", false, kTiming);
  EXPECT_TRUE(plan.terminate.empty());
  EXPECT_EQ(plan.acquire.size(), kPartitionCount);
}

// b's connection is gone (a kill, or a cut b may not have noticed yet: it may still answer
// from memory until its lease ends). Its partitions are taken only once that lease is surely
// over: heartbeat age > lease + one heartbeat (4 s), before dead-after (5 s) deletes it.
TEST(OwnershipPlan, ANodeWhoseConnectionIsGoneStaysTheTargetUntilItsLeaseIsSurelyOver) {
  const uint64_t threshold = kTiming.lease_valid_ms + kTiming.heartbeat_ms;
  for (uint64_t age : {uint64_t{200}, threshold}) {
    RoundPlan plan =
        plan_round({member("a", 0), member("b", age, false, false)}, {}, "a", false, kTiming);
    EXPECT_TRUE(plan.terminate.empty());
    EXPECT_EQ(plan.acquire, share_of("a", {"a", "b"})) << "age " << age;
  }
  RoundPlan plan = plan_round({member("a", 0), member("b", threshold + 1, false, false)}, {}, "a",
                              false, kTiming);
  EXPECT_TRUE(plan.terminate.empty());
  EXPECT_EQ(plan.acquire.size(), kPartitionCount);
}

TEST(OwnershipPlan, LeavingWeReleaseEverythingAndTakeNothing) {
  const auto mine = held_by("a", share_of("a", {"a", "b"}), true);
  RoundPlan plan = plan_round({member("a", 0, true), member("b", 0)}, mine, "a", true, kTiming);
  EXPECT_EQ(plan.release, share_of("a", {"a", "b"}));
  EXPECT_TRUE(plan.acquire.empty());
  // The other node counts us out and waits for each lock to go.
  RoundPlan at_b = plan_round({member("a", 0, true), member("b", 0)},
                              held_by("a", share_of("a", {"a", "b"}), false), "b", false, kTiming);
  EXPECT_EQ(at_b.acquire, share_of("b", {"a", "b"}));
  EXPECT_EQ(at_b.live, std::vector<std::string>{"b"});
}

TEST(OwnershipPlan, ALockNoRowNamesIsNeverTakenOver) {
  std::vector<PartitionLock> locks = {{7, "", false}};
  RoundPlan plan = plan_round({member("a", 0)}, locks, "a", false, kTiming);
  EXPECT_EQ(plan.acquire.size(), kPartitionCount - 1u);
  EXPECT_EQ(std::count(plan.acquire.begin(), plan.acquire.end(), 7), 0);
}

}  // namespace
}  // namespace ringside

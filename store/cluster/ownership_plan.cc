#include "store/cluster/ownership_plan.h"

#include <algorithm>

#include "model/partition.h"
#include "store/cluster/rendezvous.h"

namespace ringside {

RoundPlan plan_round(const std::vector<ClusterMember>& members,
                     const std::vector<PartitionLock>& locks, std::string_view self,
                     bool self_leaving, const ClusterTiming& timing) {
  RoundPlan plan;
  // We are live whatever our row says (we have just heartbeated), unless leaving.
  if (!self_leaving) plan.live.emplace_back(self);
  for (const ClusterMember& m : members) {
    if (m.node_id == self) continue;
    if (m.heartbeat_age_ms > timing.dead_after_ms) {
      plan.terminate.push_back(m);
      continue;
    }
    // A node whose connection is gone holds no lock, but stays the target of its partitions
    // (so nobody takes them) until its lease has surely ended.
    const bool lease_over = !m.connected && m.heartbeat_age_ms > disconnected_target_ms(timing);
    if (!m.leaving && !lease_over) plan.live.push_back(m.node_id);
  }
  // Sorted: every node computes over the same list in the same order.
  std::sort(plan.live.begin(), plan.live.end());
  std::vector<std::string_view> ids(plan.live.begin(), plan.live.end());
  plan.target = rendezvous_assign(ids);
  const auto self_at = std::find(plan.live.begin(), plan.live.end(), self);
  const int self_index =
      self_at == plan.live.end() ? -1 : static_cast<int>(self_at - plan.live.begin());

  std::vector<bool> held(kPartitionCount, false);
  for (const PartitionLock& lock : locks) {
    if (lock.partition >= kPartitionCount) continue;
    held[lock.partition] = true;
    if (lock.mine && plan.target[lock.partition] != self_index) {
      plan.release.push_back(lock.partition);
    }
  }
  if (self_index >= 0) {
    for (uint16_t p = 0; p < kPartitionCount; ++p) {
      if (!held[p] && plan.target[p] == self_index) plan.acquire.push_back(p);
    }
  }
  std::sort(plan.release.begin(), plan.release.end());
  return plan;
}

}  // namespace ringside

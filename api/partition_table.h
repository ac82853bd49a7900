#pragma once
// Which partitions a shard answers for, and until when (docs/cluster.md, "A partition on its
// shard"). One node (no --node-id) serves every partition from the start and has no lease; in
// a cluster a partition is served only between its PartitionServe and its PartitionRelease, and
// only while the node's lease holds. Written by the messages of the I/O core, read by every
// player request: the read is one byte of an array and one compare.
#include <array>
#include <cstdint>
#include <limits>

#include "model/partition.h"

namespace ringside {

enum class PartitionState : uint8_t { kNotServed, kLoading, kServed };

// What the shard does with a request of a partition. (Node-to-node forwarding adds "forward":
// a partition served by another node.)
enum class PartitionRoute : uint8_t { kServe, kRefuse };

class PartitionTable {
 public:
  // `cluster` false: one node; every partition served, no lease.
  PartitionTable(bool cluster, uint32_t shard, uint32_t shard_count)
      : cluster_(cluster), shard_(shard), shard_count_(shard_count) {
    state_.fill(cluster ? PartitionState::kNotServed : PartitionState::kServed);
    lease_until_ms_ = cluster ? 0 : kNoLease;
  }

  // The one place that decides how a request of `partition` is answered here, given the
  // thread's cached monotonic time: served, and before the lease's deadline.
  PartitionRoute route(uint16_t partition, uint64_t now_ms) const {
    return state_[partition] == PartitionState::kServed && now_ms < lease_until_ms_
               ? PartitionRoute::kServe
               : PartitionRoute::kRefuse;
  }

  // Whether the partition's players live on this shard (shard_of_partition).
  bool mine(uint16_t partition) const {
    return partition < kPartitionCount && shard_of_partition(partition, shard_count_) == shard_;
  }
  PartitionState state(uint16_t partition) const { return state_[partition]; }
  void set(uint16_t partition, PartitionState state) { state_[partition] = state; }
  // A later deadline from the I/O core. One node has no lease and keeps none.
  void set_lease(uint64_t valid_until_ms) {
    if (cluster_) lease_until_ms_ = valid_until_ms;
  }

 private:
  static constexpr uint64_t kNoLease = std::numeric_limits<uint64_t>::max();

  std::array<PartitionState, kPartitionCount> state_;
  uint64_t lease_until_ms_;
  bool cluster_;
  uint32_t shard_;
  uint32_t shard_count_;
};

}  // namespace ringside

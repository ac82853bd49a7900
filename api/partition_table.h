#pragma once
// Which partitions a shard answers for, and until when (docs/cluster.md, "A partition on its
// shard"). One node (no --node-id) serves every partition from the start and has no lease; in
// a cluster a partition is served only between its PartitionServe and its PartitionRelease, and
// only while the node's lease holds. Written by the messages of the I/O core, read by every
// player request: the read is one byte of an array and one compare; in a cluster, plus a read
// of the coarse monotonic clock (a vDSO load) for the lease.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "core/clock.h"
#include "model/partition.h"

namespace ringside {

enum class PartitionState : uint8_t { kNotServed, kLoading, kServed };

// What the shard does with a request of a partition. (Node-to-node forwarding adds "forward":
// a partition served by another node.)
enum class PartitionRoute : uint8_t { kServe, kRefuse };

class PartitionTable {
 public:
  // Reads the monotonic clock now, in ms of Clock::mono_ms's clock (coarse_mono_ms; tests
  // inject their own).
  using MonoClock = uint64_t (*)();

  // `cluster` false: one node; every partition served, no lease.
  PartitionTable(bool cluster, uint32_t shard, uint32_t shard_count,
                 MonoClock fresh_mono_ms = &coarse_mono_ms)
      : cluster_(cluster), shard_(shard), shard_count_(shard_count), fresh_mono_ms_(fresh_mono_ms) {
    state_.fill(cluster ? PartitionState::kNotServed : PartitionState::kServed);
    lease_until_ms_ = cluster ? 0 : kNoLease;
  }

  // The one place that decides how a request of `partition` is answered here: served, and
  // before the lease's deadline. `loop_now_ms` is the thread's clock cached at the start of
  // the loop iteration; after a stall inside the iteration it is old, so the lease is judged
  // by a fresh read too (the later of the two: the coarse clock may lag the cached precise
  // one by a tick). One node has no lease and reads no clock.
  PartitionRoute route(uint16_t partition, uint64_t loop_now_ms) const {
    if (state_[partition] != PartitionState::kServed) return PartitionRoute::kRefuse;
    if (lease_until_ms_ == kNoLease) return PartitionRoute::kServe;
    return std::max(loop_now_ms, fresh_mono_ms_()) < lease_until_ms_ ? PartitionRoute::kServe
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
  MonoClock fresh_mono_ms_;
};

}  // namespace ringside

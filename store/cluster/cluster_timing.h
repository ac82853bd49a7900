#pragma once
// The clocks of the ownership protocol (docs/cluster.md). The defaults are the contract's;
// tests inject shorter ones, keeping the same order: lease < dead-after.
#include <cstdint>

namespace ringside {

// The first key of every ownership advisory lock: pg_try_advisory_lock(kOwnershipLockClass, p).
// "RING" in ASCII, so the locks are easy to tell apart in pg_locks.
inline constexpr int32_t kOwnershipLockClass = 1380532807;

inline constexpr uint64_t kHeartbeatMs = 1000;
inline constexpr uint64_t kDeadAfterMs = 5000;
inline constexpr uint64_t kLeaseValidMs = 3000;
static_assert(kLeaseValidMs < kDeadAfterMs,
              "a paused node must stop answering before anybody may take its partitions");

struct ClusterTiming {
  uint64_t heartbeat_ms = kHeartbeatMs;  // one round: heartbeat, read, converge
  // A node whose heartbeat (by the database clock) is older than this is terminated.
  uint64_t dead_after_ms = kDeadAfterMs;
  // How long after a heartbeat is SENT the node may answer from memory.
  uint64_t lease_valid_ms = kLeaseValidMs;

  // The lease must end before anyone may declare the node dead, with a heartbeat to spare:
  // a heartbeat that is slow to commit still ends the lease in time.
  bool sound() const { return heartbeat_ms > 0 && lease_valid_ms + heartbeat_ms <= dead_after_ms; }
};

// Until when (local monotonic ms) a node may answer from memory, given when (local monotonic
// ms) it SENT its last heartbeat that committed. Counting from the send, not the answer, is
// what makes it safe: the database stamped the heartbeat at or after the send, so the node's
// lease ends before (stamp + dead_after) by the database clock, whatever the round trip took.
inline uint64_t lease_valid_until(uint64_t heartbeat_sent_ms, const ClusterTiming& timing) {
  return heartbeat_sent_ms + timing.lease_valid_ms;
}

}  // namespace ringside

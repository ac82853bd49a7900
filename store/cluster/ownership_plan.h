#pragma once
// One round of the ownership protocol as a pure function (docs/cluster.md): given what the
// database said — the nodes with their heartbeat ages by its clock, and who holds which
// partition lock — and who we are, which nodes to terminate, which partitions to hand over
// and which to try to take. No database, no clock: unit-tested on its own.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/cluster/cluster_timing.h"

namespace ringside {

// A row of cluster_nodes, as read.
struct ClusterMember {
  std::string node_id;
  std::string advertise;
  int32_t backend_pid = 0;
  uint64_t heartbeat_age_ms = 0;  // the database's now() - heartbeat_at
  bool leaving = false;
  // Its write connection is still a backend of the server. False: it cannot write or hold a
  // lock; once its lease has surely ended it is no target (it registers its new connection
  // when it comes back).
  bool connected = true;
  std::string last_heartbeat;  // heartbeat_at, RFC 3339 UTC (for GET /cluster)
  // The value of its save root marker this run; empty when it keeps none (docs/cluster.md,
  // "The save root is checked").
  std::string save_root_nonce;
};

// A granted ownership lock, as read from pg_locks.
struct PartitionLock {
  uint16_t partition = 0;
  std::string node_id;  // empty: a connection no cluster_nodes row names
  bool mine = false;    // held by the connection that read it
};

struct RoundPlan {
  // Nodes silent past dead-after: terminate their write connection, delete their row.
  std::vector<ClusterMember> terminate;
  // Partitions we hold whose target is another node (or all of them while leaving).
  std::vector<uint16_t> release;
  // Partitions nobody holds whose target is us.
  std::vector<uint16_t> acquire;
  // The live, non-leaving node ids the target was computed over, and each partition's target
  // (an index into `live`, -1 when none is live).
  std::vector<std::string> live;
  std::vector<int> target;
};

RoundPlan plan_round(const std::vector<ClusterMember>& members,
                     const std::vector<PartitionLock>& locks, std::string_view self,
                     bool self_leaving, const ClusterTiming& timing);

// How old a heartbeat of a node whose write connection is gone must be before its partitions
// are given to others: its lease (counted from before that heartbeat was stamped) has ended,
// with a heartbeat to spare. Until then it may not have noticed the loss (a one-sided cut, a
// reset by a middlebox) and still answer from memory.
inline uint64_t disconnected_target_ms(const ClusterTiming& timing) {
  return timing.lease_valid_ms + timing.heartbeat_ms;
}

}  // namespace ringside

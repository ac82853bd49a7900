#pragma once
// What the ownership protocol tells the rest of the node: where each partition is served
// (routes), and the picture GET /cluster and /metrics show (snapshot, counters).
#include <cstdint>
#include <string>
#include <vector>

namespace ringside {

struct ClusterNodeAddress {
  std::string node_id;
  std::string advertise;  // HOST:PORT
  bool operator==(const ClusterNodeAddress&) const = default;
};

// nodes[0] is this node. owner[p] is an index into nodes, -1 while p has no owner.
struct ClusterRoutes {
  std::vector<ClusterNodeAddress> nodes;
  std::vector<int> owner;  // kPartitionCount entries
  bool operator==(const ClusterRoutes&) const = default;
};

// GET /cluster: {"nodes":[{"nodeId","advertise","partitions","lastHeartbeat","self"}],
// "partitions"} as of the last round.
struct ClusterSnapshot {
  struct Node {
    std::string node_id;
    std::string advertise;
    uint32_t partitions = 0;     // locks it held at the last read
    std::string last_heartbeat;  // RFC 3339 UTC, the database's clock
    bool self = false;
  };
  std::vector<Node> nodes;
  uint32_t partitions = 0;  // in all (kPartitionCount)
};

// For /metrics.
struct OwnershipCounters {
  uint64_t partitions_owned = 0;        // acquired and not lost or handed over
  uint64_t ownership_changes = 0;       // acquisitions, losses and hand-overs since start
  uint64_t rounds = 0;                  // heartbeats that committed
  uint64_t last_heartbeat_sent_ms = 0;  // local monotonic; 0: none committed yet
};

}  // namespace ringside

#pragma once
// A shard's view of the cluster: which node serves each partition (partition -> node slot) and
// where each node listens (slot -> address), filled from the I/O core's PeerNode and
// PartitionRoutes messages (model/messages.h). One per shard, read and written only on its
// thread. Without messages (one node) every partition is served here: the check a local request
// pays is one array read.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "model/messages.h"
#include "model/partition.h"

namespace ringside {

inline constexpr uint16_t kSelfNode = 0;         // slot 0 is always this node
inline constexpr uint16_t kNoOwner = 0xffff;     // a partition nobody serves at the moment
inline constexpr uint16_t kMaxNodeSlots = 1024;  // far beyond any cluster one database carries

struct NodeAddress {
  std::string node_id;
  std::string host;  // an IP literal
  uint16_t port = 0;
};

class NodeRoutes {
 public:
  NodeRoutes() { node_of_.fill(kSelfNode); }

  // The node slot serving `partition` (< kPartitionCount): kSelfNode, another slot or kNoOwner.
  uint16_t node_of(uint16_t partition) const { return node_of_[partition]; }
  bool served_here(uint16_t partition) const { return node_of_[partition] == kSelfNode; }

  // The address of a known slot, or null.
  const NodeAddress* node(uint16_t slot) const {
    return slot < nodes_.size() && nodes_[slot].port != 0 ? &nodes_[slot] : nullptr;
  }

  // False (and nothing changed) for a message that contradicts the table: a slot past
  // kMaxNodeSlots, a known slot given another address, a range past kPartitionCount, or a
  // route to a slot never announced.
  bool apply(const PeerNode& m);
  bool apply(const PartitionRoutes& m);

 private:
  std::array<uint16_t, kPartitionCount> node_of_;
  std::vector<NodeAddress> nodes_;
};

}  // namespace ringside

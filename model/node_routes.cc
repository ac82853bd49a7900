#include "model/node_routes.h"

#include <cstring>
#include <string_view>

namespace ringside {

bool NodeRoutes::apply(const PeerNode& m) {
  if (m.slot >= kMaxNodeSlots || m.port == 0) return false;
  NodeAddress a;
  a.node_id.assign(m.node_id, strnlen(m.node_id, sizeof m.node_id));
  a.host.assign(m.host, strnlen(m.host, sizeof m.host));
  if (const NodeAddress* known = node(m.slot)) {
    // Slots are append-only: the same announcement again is fine, another address is not.
    return known->node_id == a.node_id && known->host == a.host && known->port == m.port;
  }
  if (nodes_.size() <= m.slot) nodes_.resize(m.slot + 1u);
  a.port = m.port;
  nodes_[m.slot] = std::move(a);
  return true;
}

bool NodeRoutes::apply(const PartitionRoutes& m) {
  if (m.first >= kPartitionCount || m.count > kPartitionCount - m.first) return false;
  if (m.node_slot != kNoOwner && m.node_slot != kSelfNode && !node(m.node_slot)) return false;
  std::fill_n(node_of_.begin() + m.first, m.count, m.node_slot);
  return true;
}

}  // namespace ringside

#include "store/cluster/cluster_json.h"

namespace ringside {

void write_cluster_json(const ClusterSnapshot& snapshot, JsonWriter& out) {
  out.begin_object().key("nodes").begin_array();
  for (const ClusterSnapshot::Node& node : snapshot.nodes) {
    out.begin_object()
        .key("nodeId")
        .value(node.node_id)
        .key("advertise")
        .value(node.advertise)
        .key("partitions")
        .value(node.partitions)
        .key("lastHeartbeat")
        .value(node.last_heartbeat)
        .key("self")
        .value(node.self)
        .end_object();
  }
  out.end_array().key("partitions").value(snapshot.partitions).end_object();
}

}  // namespace ringside

#pragma once
// The body of GET /cluster (SPEC "Several nodes"): {"nodes":[{"nodeId","advertise",
// "partitions","lastHeartbeat","self"}],"partitions"}.
#include "core/json_writer.h"
#include "store/cluster/cluster_view.h"

namespace ringside {

void write_cluster_json(const ClusterSnapshot& snapshot, JsonWriter& out);

}  // namespace ringside

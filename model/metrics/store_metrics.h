#pragma once
#include "model/metrics/counter.h"

namespace ringside {

// Written by the I/O core only (relaxed stores); /metrics on any shard reads them.
struct StoreMetrics {
  Counter sessions_swept;  // ended sessions deleted by the retention sweep
  Counter tokens_swept;    // expired token sessions deleted by the retention sweep
  // Cluster mode (app/cluster_node.h): the ownership protocol on the write connection.
  Counter partitions_owned;   // a gauge: partitions this node holds the lock of
  Counter ownership_changes;  // acquisitions, losses and hand-overs since start
  Counter heartbeat_sent_ms;  // monotonic ms the last committed heartbeat was sent; 0: none
};

}  // namespace ringside

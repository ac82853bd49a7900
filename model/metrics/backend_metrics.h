#pragma once
// What the backends count for /metrics. Written by the I/O core only (relaxed stores); /metrics
// on any shard reads them (api/metrics_text.cc).
#include "model/metrics/counter.h"
#include "model/session_types.h"

namespace ringside {

struct BackendMetrics {
  // Stops whose save data was not kept, by SaveError (index 0, kNone, stays 0).
  Counter saves_failed[kSaveErrorCount];
  // Gauge: Gameye sessions whose DELETE failed and is owed (sent again until Gameye confirms).
  Counter gameye_deletes_owed;
};

}  // namespace ringside

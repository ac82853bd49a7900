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
  // ringside_backend_requests_total{backend,result}: calls to Docker engines or Gameye that the
  // backends' HTTP client completed, by BackendCallBackend and BackendCallResult.
  Counter requests[2][2];
};

enum BackendCallBackend : uint8_t { kBackendCallDocker, kBackendCallGameye };
// kError: no HTTP answer (connect failure, timeout, a broken or cut-off answer) or a 5xx.
enum BackendCallResult : uint8_t { kBackendCallOk, kBackendCallError };

}  // namespace ringside

#pragma once
// Counters of one shard's player side, read by /metrics (single writer, relaxed).
#include "model/metrics/counter.h"
#include "model/session_types.h"

namespace ringside {

struct alignas(64) PlayerMetrics {
  Counter launches_accepted;
  Counter launches_rate_limited;
  Counter launches_refused_no_servers;
  Counter forwarded_requests;  // requests this shard sent to the shard owning the player
  Counter sessions_by_status[kSessionStatusCount];
  Counter token_sessions;
};

}  // namespace ringside

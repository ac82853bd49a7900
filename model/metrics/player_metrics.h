#pragma once
// Counters of one shard's player side, read by /metrics (single writer, relaxed).
#include "model/metrics/counter.h"
#include "model/session_types.h"

namespace ringside {

struct alignas(64) PlayerMetrics {
  Counter launches_accepted;
  Counter launches_rate_limited;
  Counter launches_refused_no_servers;
  Counter forwarded_requests;       // requests this shard sent to the shard owning the player
  Counter node_forwarded_requests;  // requests this shard sent to the node serving the player
  // Of those, answered 503 or 504 here because that node could not be reached or was slow.
  Counter node_forward_failures;
  Counter sessions_by_status[kSessionStatusCount];
  Counter sessions_ended[static_cast<size_t>(kLastEndReason) + 1];  // by EndReason
  Counter token_sessions;
};

}  // namespace ringside

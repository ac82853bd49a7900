#pragma once
// What a run measures, filled in by the players and read by the progress line and the report.
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tools/storm/endpoints.h"
#include "tools/storm/histogram.h"

namespace ringside::storm {

struct EndpointStats {
  // Every HTTP answer, whatever its status, in nanoseconds from the request's intended send
  // time (its due time, not the moment it found a free connection) to its complete arrival.
  Histogram latency;
  uint64_t sent = 0;
  uint64_t ok = 0;      // the answer the flow expects
  uint64_t failed = 0;  // any other status, or no answer at all (see errors)
};

// The row of the steady status polls (--poll-rate), apart from the players' own polls.
inline constexpr std::string_view kSteadyStatusName = "status (steady)";

struct RunStats {
  std::array<EndpointStats, kEndpointCount> endpoints;
  // The steady status polls; any answer but 200 is an error. Not part of the players' flows.
  EndpointStats steady_status;
  // From the launch request's intended send time to the arrival of the first status answer
  // that said "running" (so it includes up to one poll interval of waiting).
  Histogram time_to_running;
  // How late storm itself acted on a due launch, player timer or steady poll: large values
  // mean storm, not the server, was the bottleneck.
  Histogram generator_lag;
  // "<endpoint> <status> <error code>" or "<endpoint> <transport failure>" -> count; a session
  // that ended in error counts as "session error <code>".
  std::map<std::string, uint64_t> errors;
  uint64_t error_total = 0;

  // Live counts of players, for the progress line.
  uint64_t launched = 0;  // players that have begun (operator launch due)
  uint64_t accepted = 0;  // launches answered 202
  uint64_t starting = 0;  // accepted, still polling
  uint64_t playing = 0;   // saw running, not yet stopped
  uint64_t stopped = 0;   // stop answered "stopped"
  uint64_t session_errors = 0;
  uint64_t gave_up = 0;  // status answered 401/403/404 while starting: the session is gone
};

}  // namespace ringside::storm

#pragma once
// storm's command line.
#include <cstdint>
#include <optional>
#include <string>

#include "tools/storm/arrivals.h"

namespace ringside::storm {

struct StormOptions {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string operator_key;
  std::string game = "garden-of-forking-paths";
  std::string run_id;                       // default: derived from the clock and the pid
  std::optional<ArrivalSchedule> schedule;  // unset: no launches (a steady poll load alone)
  std::string schedule_text;                // as the report describes it: "rate 100/s", ...
  uint64_t launches = 0;                    // 0: no limit (then --duration bounds the run)
  double duration_s = 0;                    // 0: no limit (then --launches bounds the run)
  uint32_t connections = 256;
  uint32_t pipeline = 1;
  double poll_interval_s = 2;
  double keepalive_interval_s = 30;
  double play_time_s = 10;
  double timeout_s = 30;
  double grace_s = 120;
  // The steady status-poll load (see steady_polls.h): off while poll_rate is 0.
  std::string poll_sessions_path;
  double poll_rate = 0;  // polls per second
  uint32_t poll_connections = 64;
  std::string json_path;
  bool progress = true;
};

// Parses argv (argv[0] skipped) into *options. On --help sets *help and returns "".
// Returns "" or the error to print.
std::string parse_options(int argc, char** argv, StormOptions* options, bool* help);
std::string usage();

}  // namespace ringside::storm

#pragma once
// Everything ringside can be told at start: flags, optionally preceded by a config file of
// `key = value` lines with the same names (flags win). `--help` prints the table below.
#include <cstdint>
#include <string>
#include <vector>

#include "core/log.h"

namespace ringside {

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  uint32_t shards = 0;  // 0: one per core
  LogLevel log_level = LogLevel::kInfo;
  uint32_t max_connections = 100000;  // per shard
  double header_timeout_s = 10;
  double body_timeout_s = 30;
  double keepalive_timeout_s = 75;
  double drain_timeout_s = 30;
  uint64_t max_output_backlog = 4 << 20;
  bool uring_fallbacks = false;  // force the fallback of every optional io_uring feature
};

// Parses argv (argv[0] is skipped). On `--help` sets *help. Returns an empty string or the
// error to print.
std::string parse_config(int argc, char** argv, Config* config, bool* help);
std::string usage();

}  // namespace ringside

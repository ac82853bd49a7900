#pragma once
// gameye-standin's command line.
#include <cstdint>
#include <string>
#include <vector>

namespace ringside::gameye_standin {

struct StandinOptions {
  std::string host;  // as given in --listen, brackets of an IPv6 address removed
  uint16_t port = 0;
  std::string token;
  uint32_t start_delay_ms = 0;
  double failure_rate = 0;  // share of accepted launches answered 420
  double hang_rate = 0;     // share of accepted launches never answered
  uint64_t seed = 1;
  std::vector<std::string> images;     // empty: every image exists
  std::vector<std::string> locations;  // empty: every location exists
};

// Parses argv (argv[0] skipped) into *options. On --help sets *help and returns "".
// Returns "" or the error to print.
std::string parse_options(int argc, char** argv, StandinOptions* options, bool* help);
std::string usage();

}  // namespace ringside::gameye_standin

#pragma once
// gameye-standin's command line.
#include <cstdint>
#include <string>
#include <vector>

namespace ringside::gameye_standin {

enum class LabelShape : uint8_t { kTagged, kFlat };

struct StandinOptions {
  std::string host;  // as given in --listen, brackets of an IPv6 address removed
  uint16_t port = 0;
  std::string token;
  uint32_t start_delay_ms = 0;
  double failure_rate = 0;  // share of accepted launches answered 420
  double hang_rate = 0;     // share of accepted launches never answered
  uint64_t seed = 1;
  // Deterministic misbehaviour, before the drawn kind: the first N launches that pass the token
  // check are answered 503 (their id not taken); the first N accepted ones fail (420) / hang.
  uint32_t unavailable_first = 0;
  uint32_t fail_first = 0;
  uint32_t hang_first = 0;
  // The first N DELETEs that pass the token check are answered 503 (nothing stopped).
  uint32_t delete_unavailable_first = 0;
  // The first N listings (GET /session) that pass the token check are answered 503.
  uint32_t list_unavailable_first = 0;
  // Listings are answered this long after they arrived, with the sessions as they were then.
  uint32_t list_delay_ms = 0;
  // How sessions show their labels: kTagged, as every example of Gameye's own (
  // {"env": "<JSON text>", "tags": "<JSON text of the launch's labels>"}), or kFlat, the map
  // the launch sent (the shape of SessionRun's `labels`).
  LabelShape label_shape = LabelShape::kTagged;
  std::vector<std::string> images;     // empty: every image exists
  std::vector<std::string> locations;  // empty: every location exists
  // Locations that cannot start a session now: every accepted launch there fails (420).
  std::vector<std::string> full_locations;
};

// Parses argv (argv[0] skipped) into *options. On --help sets *help and returns "".
// Returns "" or the error to print.
std::string parse_options(int argc, char** argv, StandinOptions* options, bool* help);
std::string usage();

}  // namespace ringside::gameye_standin

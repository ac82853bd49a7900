#pragma once
// The body of POST /session as Gameye's "launch a session" documents it (seed 002): id (a
// UUID), location, image, env (object), args (array of strings) and restart (boolean) are
// required; labels, version, enableMetrics and ttl are optional; any other field is refused.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringside::gameye_standin {

using Labels = std::vector<std::pair<std::string, std::string>>;

// One reason a body was refused, as Gameye's error body lists it in `violations`.
struct Violation {
  std::string field;
  std::string description;
};

// What the stand-in keeps of an accepted body. env and args are checked, not kept: no
// container runs here.
struct SessionRequest {
  std::string id;
  std::string location;
  std::string image;
  std::string version;  // "" when not given
  Labels labels;
};

// Fills *out and returns no violations, or returns why the body is refused (422).
std::vector<Violation> parse_session_request(std::string_view body, SessionRequest* out);

// 8-4-4-4-12 hexadecimal digits, either case.
bool is_uuid(std::string_view text);

}  // namespace ringside::gameye_standin

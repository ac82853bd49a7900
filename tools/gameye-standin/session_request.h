#pragma once
// The body of POST /session, held to both of Gameye's descriptions of it: the properties and
// types of SessionRun in its OpenAPI description 1.2.1 (additionalProperties: false, so a
// field it does not list, enableMetrics included, is refused), and the required fields of
// seed 002 ("launch a session"): id (a UUID), location, image, env (object of non-empty
// strings), args (array of non-empty strings) and restart (boolean); labels (object of
// strings), version and ttl are optional.
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

// What the stand-in keeps of an accepted body. args are checked, not kept: no container runs
// here; env is kept to be shown in the session's labels (their tagged shape).
struct SessionRequest {
  std::string id;
  std::string location;
  std::string image;
  std::string version;  // "" when not given
  Labels env;
  Labels labels;
};

// Fills *out and returns no violations, or returns why the body is refused (422).
std::vector<Violation> parse_session_request(std::string_view body, SessionRequest* out);

// 8-4-4-4-12 hexadecimal digits, either case.
bool is_uuid(std::string_view text);

}  // namespace ringside::gameye_standin

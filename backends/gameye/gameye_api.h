#pragma once
// Gameye's session API as the Gameye backend speaks it, without any I/O: the launch body
// (SessionRun, seed 002), the session id ringside derives for Gameye, what each answer means, the
// parsing of answers and listings, and the retry delays. See docs/gameye-backend.md.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/ids.h"

namespace ringside {

// Label keys ringside puts on every Gameye session; kFleetLabel is what listings filter on.
inline constexpr std::string_view kFleetLabel = "ringside.fleet";
inline constexpr std::string_view kSessionLabel = "ringside.session";
inline constexpr std::string_view kPlayerLabel = "ringside.player";
inline constexpr std::string_view kGameLabel = "ringside.game";

// The Gameye session id of a ringside session: its 128 random bits as an RFC 9562 UUID, with
// the version (4) and variant (10) bits set. `attempt` is 0 for the first launch; a start that
// failed (420) burns its id at Gameye, so the next attempt (in another location) uses the next
// number, XORed into the last byte: attempts below 256 give distinct ids. Deterministic: a
// retry after a timeout, or a restarted ringside, names the same session.
std::string gameye_session_uuid(const Id128& session, uint32_t attempt);

// "registry/name:tag" -> {"registry/name", "tag"}; no tag -> {image, ""}. A ':' before the
// last '/' is a registry port, not a tag.
std::pair<std::string_view, std::string_view> split_image_tag(std::string_view image);

struct LaunchFields {
  std::string_view id;  // gameye_session_uuid()
  std::string_view location;
  std::string_view image;    // without its tag
  std::string_view version;  // the tag; omitted when empty
  std::vector<std::pair<std::string_view, std::string_view>> env;
  std::vector<std::pair<std::string_view, std::string_view>> labels;
};

// The JSON body of POST /session: id, location, image, version, env, args ([]), restart
// (false: ringside decides about relaunches), labels. Only properties of Gameye's SessionRun
// schema (OpenAPI 1.2.1, additionalProperties: false), in its types, and every field seed 002
// requires: a validating Gameye refuses anything else with 422 (docs/gameye-backend.md).
std::string launch_body(const LaunchFields& fields);

// What one answer to POST /session means for the session.
enum class LaunchAnswer : uint8_t {
  kStarted,       // 2xx: it runs
  kUnauthorized,  // 401: the token is wrong; nothing helps but configuration
  kNotFound,      // 404: unknown image, version or location
  kIdTaken,       // 409: the id was used; ours if we sent it before
  kFailed,        // 420: it failed to start; the id is burnt
  kRefused,       // 422: ringside sent a bad request
  kTransient,     // timeout, connection failure, 429, 5xx: retry under the same id
  kRejected,      // any other status: give up
};
// `status` 0 means no HTTP answer came (timeout, connection error).
LaunchAnswer classify_launch(long status);

struct Endpoint {
  std::string host;
  uint16_t port = 0;  // the host port of the first mapped port, 0 when none
};
// {"host", "ports": [{"type", "container", "host"}]}; nullopt when it is not that shape.
std::optional<Endpoint> parse_launch_answer(std::string_view body);

// The first field named in a 422's "violations", else "".
std::string first_violation(std::string_view body);

// One session of GET /session ({"sessions": [...]}) or GET /session/{id} (the object alone).
struct ListedSession {
  std::string id;
  std::string status;    // Gameye's SessionStatus: created, running, exited, dead, ...
  std::string location;  // where it runs
  // Its ringside.session and ringside.player labels, "" when it has none. Read from `labels`
  // as the flat map the launch sent, or from the JSON text under `labels.tags`, the shape of
  // Gameye's examples. The player label tells whose partition it is in (cluster mode).
  std::string session_label;
  std::string player_label;
  Endpoint endpoint;
};
std::optional<std::vector<ListedSession>> parse_session_list(std::string_view body);
std::optional<ListedSession> parse_described_session(std::string_view body);
// Whether a session in this status may still run (it is neither exited nor dead).
bool gameye_status_live(std::string_view status);
// Whether players can still reach a session in this status: it is live, and its machine is
// not `server_unreachable`. A running ringside session whose Gameye status is not serving is
// lost.
bool gameye_status_serving(std::string_view status);

// The listing reconciliation asks for: every session of this fleet, whatever its status.
// `fleet` is percent-encoded.
std::string fleet_listing_path(std::string_view fleet);

// Delay before retry number `retry` (1-based): exponential from base_ms, capped at cap_ms,
// with "equal jitter" (half fixed, half drawn from `random`), so retries of many sessions
// after one outage do not arrive together.
uint32_t retry_delay_ms(uint32_t retry, uint32_t base_ms, uint32_t cap_ms, uint64_t random);

}  // namespace ringside

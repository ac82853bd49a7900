#pragma once
// The JSON body of each route that takes one, read and checked. A reader fills its struct and
// returns an empty view, or returns the sentence of a 400 invalid_request (valid until the
// parser's next use). What a reader accepts meets model/identifiers.h; views point into the
// parser's copy of the body, valid until its next use.
#include <cstdint>
#include <optional>
#include <string_view>

#include "api/body_fields.h"
#include "model/operator_launch.h"

namespace ringside {

// POST /operator/launch (read once, where the request arrives: model/operator_launch.h)
std::string_view read_operator_launch(BodyParser& parser, std::string_view body,
                                      OperatorLaunchBody* out);

// POST /api/game/launch
struct LaunchBody {
  std::optional<std::string_view> game_slug;
  // An id is looked up, not checked: one that is malformed names no slot (404).
  std::optional<std::string_view> save_slot_id;
  bool fresh = false;
};
std::string_view read_launch(BodyParser& parser, std::string_view body, LaunchBody* out);

// POST /api/game/keepalive and /api/game/stop. The id is looked up like save_slot_id.
struct SessionBody {
  std::string_view session_id;
};
std::string_view read_session_body(BodyParser& parser, std::string_view body, SessionBody* out);

// POST /operator/servers/{name}/drain: {"graceSeconds": 0..kMaxDrainGraceSeconds}, required
// (no body, or no field, is an error naming it: a forgotten body must not stop everything).
inline constexpr uint64_t kMaxDrainGraceSeconds = 86'400;
std::string_view read_drain(BodyParser& parser, std::string_view body, uint32_t* grace_seconds);

}  // namespace ringside

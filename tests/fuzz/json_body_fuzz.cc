// The JSON body readers of every route that takes a body (api/request_bodies.h) on arbitrary
// bytes: nothing crashes, and each reader either accepts, with fields that meet the rules of
// model/identifiers.h, or refuses with a sentence for the 400.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "api/body_fields.h"
#include "api/request_bodies.h"
#include "model/identifiers.h"

namespace {

void check(bool ok) {
  if (!ok) abort();
}

void check_refusal(std::string_view message) { check(!message.empty() && message.back() == '.'); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringside;
  static BodyParser parser;  // reused across inputs, as each shard's is
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  OperatorLaunchBody op;
  if (std::string_view err = read_operator_launch(parser, body, &op); err.empty()) {
    check(is_valid_player_id(op.player_id));
    check(!op.game_slug || is_valid_slug(*op.game_slug));
    check(!op.lobby_url || is_valid_lobby_url(*op.lobby_url));
  } else {
    check_refusal(err);
  }

  LaunchBody launch;
  if (std::string_view err = read_launch(parser, body, &launch); err.empty()) {
    check(!launch.game_slug || is_valid_slug(*launch.game_slug));
    check(!launch.save_slot_id || simdjson::validate_utf8(*launch.save_slot_id));
  } else {
    check_refusal(err);
  }

  SessionBody session;
  if (std::string_view err = read_session_body(parser, body, &session); err.empty()) {
    check(simdjson::validate_utf8(session.session_id));
  } else {
    check_refusal(err);
  }

  // The generic reader with a string, a flag and an empty name: strings it returns are UTF-8
  // and no longer than the body they came from.
  BodyField fields[] = {{"playerId"}, {"fresh", BodyField::Type::kBool}, {""}};
  if (std::string_view err = parser.parse(body, fields); err.empty()) {
    for (const BodyField& f : fields) {
      if (!f.present || f.type != BodyField::Type::kString) continue;
      check(f.text.size() <= size && simdjson::validate_utf8(f.text));
    }
  } else {
    check_refusal(err);
  }
  return 0;
}

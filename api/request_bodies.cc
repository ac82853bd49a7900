#include "api/request_bodies.h"

#include "model/identifiers.h"

namespace ringside {
namespace {

std::optional<std::string_view> text_if_present(const BodyField& f) {
  if (!f.present) return std::nullopt;
  return f.text;
}

}  // namespace

std::string_view read_operator_launch(BodyParser& parser, std::string_view body,
                                      OperatorLaunchBody* out) {
  BodyField fields[] = {{"playerId"}, {"gameSlug"}, {"lobbyUrl"}};
  if (std::string_view err = parser.parse(body, fields); !err.empty()) return err;
  const BodyField &player_id = fields[0], &slug = fields[1], &lobby = fields[2];
  if (!player_id.present || !is_valid_player_id(player_id.text)) return kBadPlayerIdField;
  if (slug.present && !is_valid_slug(slug.text)) return kBadGameSlugField;
  if (lobby.present && !is_valid_lobby_url(lobby.text)) return kBadLobbyUrlField;
  *out = {player_id.text, text_if_present(slug), text_if_present(lobby)};
  return {};
}

std::string_view read_launch(BodyParser& parser, std::string_view body, LaunchBody* out) {
  BodyField fields[] = {{"gameSlug"}, {"saveSlotId"}, {"fresh", BodyField::Type::kBool}};
  if (std::string_view err = parser.parse(body, fields); !err.empty()) return err;
  const BodyField &slug = fields[0], &slot = fields[1], &fresh = fields[2];
  if (slug.present && !is_valid_slug(slug.text)) return kBadGameSlugField;
  *out = {text_if_present(slug), text_if_present(slot), fresh.present && fresh.flag};
  return {};
}

std::string_view read_session_body(BodyParser& parser, std::string_view body, SessionBody* out) {
  BodyField fields[] = {{"sessionId"}};
  if (std::string_view err = parser.parse(body, fields); !err.empty()) return err;
  if (!fields[0].present) return "Field 'sessionId' is required.";
  out->session_id = fields[0].text;
  return {};
}

std::string_view read_drain(BodyParser& parser, std::string_view body, uint32_t* grace_seconds) {
  // graceSeconds is required: a drain that forgot its body must not stop every session on the
  // server at once. 0 is allowed when it is said.
  constexpr std::string_view kGraceRequired = "Field 'graceSeconds' is required.";
  *grace_seconds = 0;
  if (body.empty()) return kGraceRequired;
  BodyField fields[] = {{"graceSeconds", BodyField::Type::kUint}};
  std::string_view err = parser.parse(body, fields);
  if (err.empty() && !fields[0].present) err = kGraceRequired;
  if (err.empty() && fields[0].number > kMaxDrainGraceSeconds) {
    err = "Field 'graceSeconds' must be an integer from 0 to 86400.";
  }
  if (!err.empty()) return err;
  *grace_seconds = static_cast<uint32_t>(fields[0].number);
  return {};
}

}  // namespace ringside

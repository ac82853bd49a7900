#pragma once
// The body of POST /operator/launch, read once on the shard the request reached
// (api/request_bodies.h) and handed to the player's owner as it is: in the call for a local
// owner, in the forwarded request (model/messages.h) for another. Views point into whatever
// holds the bytes: the body parser's copy, or the message.
#include <optional>
#include <string_view>

namespace ringside {

struct OperatorLaunchBody {
  std::string_view player_id;
  std::optional<std::string_view> game_slug;
  std::optional<std::string_view> lobby_url;
};

}  // namespace ringside

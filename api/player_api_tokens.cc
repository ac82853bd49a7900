// The token and catalog routes: an operator's launch (a new token and the iframe's URL), a
// token's refresh, the game list and a game.
#include "api/player_api.h"
#include "api/request_bodies.h"
#include "api/routes.h"
#include "http/query.h"
#include "model/identifiers.h"

namespace ringside {

bool PlayerApi::operator_launch(const OperatorLaunchBody& body, ReplyTarget target, Reply& reply) {
  uint16_t game = kAnyGame;
  if (body.game_slug) {
    int g = runtime_.catalog.find(*body.game_slug);
    if (g < 0) {
      not_found(reply, "No game with that slug.");
      return true;
    }
    game = static_cast<uint16_t>(g);
  }
  if (store_down()) {
    unavailable(reply);
    return true;
  }
  uint32_t player = sessions_.find_or_add_player(body.player_id);
  TokenGrant grant = tokens_.grant(player, game, sessions_.player(player).partition);
  std::string_view token(grant.token, kIdTextLength);

  JsonWriter w(reply.body());
  w.begin_object().key("sessionToken").value(token);
  w.key("expiresAt").timestamp(grant.expires_at_ms / 1000);
  // {iframeBase}/{slug}?sessionToken={token}&id={gameSlug}[&lobbyUrl={url}]
  ByteBuffer& url = url_scratch_;
  url.clear();
  url.append(runtime_.config.iframe_base);
  url.push_back('/');
  if (body.game_slug) append_url_encoded(url, *body.game_slug);
  url.append("?sessionToken=");
  url.append(token);
  if (body.game_slug) {
    url.append("&id=");
    append_url_encoded(url, *body.game_slug);
  }
  if (body.lobby_url) {
    url.append("&lobbyUrl=");
    append_url_encoded(url, *body.lobby_url);
  }
  w.key("launchUrl").value(url.view()).end_object();
  if (!durable()) return true;
  PendingWrite pending{PendingWrite::What::kToken, target};
  pending.partition = sessions_.player(player).partition;
  const uint64_t seq = writes_->token(sessions_.player(player), tokens_.record(grant.token_session),
                                      seconds(runtime_.config.token_ttl_s));
  held_.defer(seq, std::move(pending), reply);
  return false;
}

bool PlayerApi::refresh(const AuthContext& auth, ReplyTarget target, Reply& reply) {
  if (store_down()) {
    unavailable(reply);
    return true;
  }
  const TokenRecord before = tokens_.record(auth.token_session);
  TokenGrant grant;
  if (!tokens_.refresh(auth, sessions_.player(auth.player).partition, &grant)) {
    reply.error(409, "token_already_refreshed",
                "This token was already refreshed; use the newest.");
    return true;
  }
  JsonWriter w(reply.body());
  w.begin_object().key("sessionToken").value(std::string_view(grant.token, kIdTextLength));
  w.key("expiresAt").timestamp(grant.expires_at_ms / 1000).end_object();
  if (!durable()) return true;
  PendingWrite pending{PendingWrite::What::kRefresh, target};
  pending.partition = sessions_.player(auth.player).partition;
  pending.token_session = auth.token_session;
  pending.before = before;
  const uint64_t seq =
      writes_->token(sessions_.player(auth.player), tokens_.record(auth.token_session),
                     seconds(runtime_.config.token_ttl_s));
  held_.defer(seq, std::move(pending), reply);
  return false;
}

void PlayerApi::games(Reply& reply) {
  JsonWriter w(reply.body());
  w.begin_object().key("games").begin_array();
  for (const Game& g : runtime_.catalog.games()) {
    if (!g.removed) render_game(w, g);  // removed by a reload: gone for players
  }
  w.end_array().end_object();
}

void PlayerApi::game(const PlayerCall& call, Reply& reply) {
  if (!is_valid_slug(call.param)) return bad_request(reply, kBadSlugPath);
  int index = runtime_.catalog.find(call.param);
  if (index < 0) return not_found(reply, "No game with that slug.");
  const Game& g = runtime_.catalog.games()[static_cast<size_t>(index)];
  JsonWriter w(reply.body());
  render_game(w, g);
}

}  // namespace ringside

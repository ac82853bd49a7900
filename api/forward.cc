#include "api/forward.h"

#include "api/routes.h"
#include "http/limits.h"

namespace ringside {
namespace {

constexpr std::string_view kTextContentType = "text/plain; version=0.0.4";

// Token, path segment and query have 16-bit lengths on the wire: the HTTP limits keep them
// far below.
static_assert(kMaxHeaderBytes <= UINT16_MAX && kMaxUriBytes <= UINT16_MAX);
// ForwardRequest::decode refuses launch fields on any other route, and this route without them.
static_assert(ForwardRequest::kOperatorLaunchRoute == kRouteOperatorLaunch);

}  // namespace

ForwardRequest forward_request(ConnRef ref, const PlayerCall& call) {
  ForwardRequest m;
  m.ref = ref;
  m.route = call.route;
  m.token = call.token;
  m.param = call.param;
  m.query = call.query;
  if (call.route == kRouteOperatorLaunch) {
    // Only a readable body is forwarded (Api::owner_of).
    m.has_launch = call.launch != nullptr;
    if (call.launch) {
      const OperatorLaunchBody& body = *call.launch;
      m.launch.player_id = body.player_id;
      m.has_game_slug = body.game_slug.has_value();
      m.launch.game_slug = body.game_slug.value_or(std::string_view());
      m.has_lobby_url = body.lobby_url.has_value();
      m.launch.lobby_url = body.lobby_url.value_or(std::string_view());
    }
  } else {
    m.body = call.body;
  }
  return m;
}

void send_forward(Mailbox& mailbox, uint32_t to, ConnRef ref, const PlayerCall& call) {
  mailbox.send(to, forward_request(ref, call));
}

void read_forward(const ForwardRequest& message, PlayerCall* call, OperatorLaunchBody* launch) {
  call->route = message.route;
  call->token = message.token;
  call->param = message.param;
  call->query = message.query;
  call->body = message.body;
  call->launch = nullptr;
  call->launch_error = {};
  if (!message.has_launch) return;
  launch->player_id = message.launch.player_id;
  launch->game_slug.reset();
  if (message.has_game_slug) launch->game_slug = message.launch.game_slug;
  launch->lobby_url.reset();
  if (message.has_lobby_url) launch->lobby_url = message.launch.lobby_url;
  call->launch = launch;
}

ForwardReply forward_reply(ConnRef ref, const Reply& reply) {
  ForwardReply m;
  m.ref = ref;
  m.status = reply.status();
  m.route = reply.route();
  m.content = reply.content_type() == kJsonContentType ? ReplyContent::kJson
                                                       : ReplyContent::kPrometheusText;
  m.close = reply.close_connection();
  m.headers = reply.extra_headers();
  m.body = reply.body_view();
  return m;
}

void send_forward_reply(Mailbox& mailbox, uint32_t to, ConnRef ref, const Reply& reply) {
  mailbox.send(to, forward_reply(ref, reply));
}

void read_forward_reply(const ForwardReply& message, Reply& reply) {
  reply.set_status(message.status);
  reply.set_route(message.route);
  reply.set_content_type(message.content == ReplyContent::kJson ? kJsonContentType
                                                                : kTextContentType);
  if (message.close) reply.set_close_connection();
  reply.add_rendered_headers(message.headers);
  reply.body().append(message.body);
}

std::optional<uint16_t> partition_of(const PlayerCall& call, const LegacyTokens& legacy) {
  if (call.launch) return partition_of_player(call.launch->player_id);
  // An operator's route about one session: the session id in the path names it.
  if (is_operator_session_route(call.route)) return partition_of_id(call.param, IdKind::kSession);
  if (std::optional<uint16_t> p = partition_of_id(call.token, IdKind::kToken)) return p;
  // A token minted before partitions names a shard: looked up (only these tokens pay for it).
  std::optional<ParsedId> old = parse_id(call.token, IdKind::kToken);
  if (!old || !old->owner.legacy) return std::nullopt;
  return legacy.partition_of(old->bits);
}

}  // namespace ringside

#include "api/api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "api/forward.h"
#include "api/metrics_text.h"
#include "api/openapi.h"
#include "api/play_page.h"
#include "api/request_bodies.h"
#include "api/routes.h"
#include "core/json_writer.h"
#include "model/cluster_key.h"
#include "model/ids.h"
#include "model/partition.h"

namespace ringside {

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      strncasecmp(authorization.data(), kScheme.data(), kScheme.size()) != 0) {
    return {};
  }
  authorization.remove_prefix(kScheme.size());
  while (!authorization.empty() && authorization.back() == ' ') authorization.remove_suffix(1);
  return authorization;
}

Api::Api(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics)
    : runtime_(runtime),
      metrics_(metrics),
      reactor_(reactor),
      player_(runtime, reactor, metrics, Responder{&Api::respond, this}),
      cluster_key_(cluster_forward_key(runtime.token_secret)),
      peers_(reactor, cluster_key_, &Api::on_peer_answer, this) {
  for (const RouteSpec& r : kRoutes) router_.add(r.method, r.pattern, r.id);
  Mailbox& mailbox = reactor.mailbox();
  mailbox.set_handler<&Api::on_forward_request>(this);
  mailbox.set_handler<&Api::on_forward_reply>(this);
  mailbox.set_handler<&Api::on_ready_reply>(this);
  mailbox.set_handler<&Api::on_peer_node>(this);
  mailbox.set_handler<&Api::on_partition_routes>(this);
  if (!runtime.config.node_id.empty()) {
    player_.operator_sessions().set_node_fan_out(&Api::ask_nodes_for_listing, this, &routes_);
  }
}

bool Api::handle(const Request& request, ConnRef ref, Reply& reply) {
  RouteMatch m = router_.match(request.method, request.path);
  if (m.kind == RouteMatch::Kind::kNotFound) {
    reply.error(404, "not_found", "No such path.");
    return true;
  }
  if (m.kind == RouteMatch::Kind::kMethodNotAllowed) {
    reply.error(405, "method_not_allowed", "This path does not accept that method.");
    reply.add_header("Allow", m.allow);
    return true;
  }
  reply.set_route(m.route_id);
  switch (m.route_id) {
    case kRouteHealthz:
      reply.body().append(std::string_view(R"({"status":"ok"})"));
      return true;
    case kRouteReadyz:
      return handle_readyz(ref, reply);
    case kRouteMetrics:
      handle_metrics(reply);
      return true;
    case kRouteCluster:
      if (!operator_authorized(request, reply)) return true;
      // The ownership picture is the I/O core's (like readiness).
      reactor_.mailbox().send(runtime_.io_thread(), ClusterQuery{ref});
      return false;
    case kRouteNodeForward:
      return handle_node_forward(request, ref, reply);
    case kRouteOperatorServers:
    case kRouteOperatorServerCordon:
    case kRouteOperatorServerUncordon:
    case kRouteOperatorServerDrain:
      if (!operator_authorized(request, reply)) return true;
      return handle_fleet_command(m.route_id, m.param_count > 0 ? m.params[0] : std::string_view(),
                                  request.body, ref, reply);
    case kRouteOpenApi:
      reply.body().append(openapi_document());
      return true;
    case kRoutePlayPage:
      serve_play_page(request, reply);
      return true;
    case kRoutePlayAsset:
      serve_play_asset(m.params[0], m.params[1], request, reply);
      return true;
    case kRouteOperatorSessions:
      if (!operator_authorized(request, reply)) return true;
      return player_.operator_list(request.query, {reactor_.self(), ref}, reply);
    default:
      break;
  }

  PlayerCall call;
  call.route = m.route_id;
  call.param = m.param_count > 0 ? m.params[0] : std::string_view();
  call.query = request.query;
  call.body = request.body;
  int partition = -1;
  int owner = owner_of(request, call, reply, &partition);
  if (owner < 0) return true;
  // The operator key stays here: the owner of an operator's call is not asked to check it.
  call.token = call.route == kRouteOperatorLaunch || is_operator_session_route(call.route)
                   ? std::string_view()
                   : bearer_token(request.authorization);
  if (partition >= 0 && !routes_.served_here(static_cast<uint16_t>(partition))) {
    return forward_to_node(static_cast<uint16_t>(partition), ref, call, reply);
  }
  const uint32_t self = reactor_.self();
  if (static_cast<uint32_t>(owner) == self) return player_.handle(call, {self, ref}, reply);
  send_forward(reactor_.mailbox(), static_cast<uint32_t>(owner), ref, call);
  metrics_.forwarded_requests.add();
  return false;
}

bool Api::operator_authorized(const Request& request, Reply& reply) {
  std::string_view token = bearer_token(request.authorization);
  if (token.empty()) {
    reply.error(401, "unauthorized", "The operator key is missing.");
    return false;
  }
  const std::string& key = runtime_.config.operator_key;
  if (token.size() != key.size() || CRYPTO_memcmp(token.data(), key.data(), key.size()) != 0) {
    reply.error(403, "forbidden", "The operator key is wrong.");
    return false;
  }
  return true;
}

bool Api::handle_fleet_command(uint16_t route, std::string_view name, std::string_view body,
                               ConnRef ref, Reply& reply) {
  FleetCommand command;
  command.ref = ref;
  if (route != kRouteOperatorServers) {
    const std::vector<GameServerInfo>& servers = runtime_.servers;
    auto it = std::find_if(servers.begin(), servers.end(),
                           [&](const GameServerInfo& s) { return s.name == name; });
    if (it == servers.end()) {
      reply.error(404, "not_found", "No game server has that name.");
      return true;
    }
    command.server = static_cast<uint32_t>(it - servers.begin());
    command.action = route == kRouteOperatorServerCordon     ? FleetCommand::Action::kCordon
                     : route == kRouteOperatorServerUncordon ? FleetCommand::Action::kUncordon
                                                             : FleetCommand::Action::kDrain;
  }
  if (route == kRouteOperatorServerDrain) {
    if (std::string_view err = read_drain(body_parser_, body, &command.grace_seconds);
        !err.empty()) {
      reply.error(400, "invalid_request", err);
      return true;
    }
  }
  // The fleet (capacity, cordons, what runs where) is the I/O core's.
  reactor_.mailbox().send(runtime_.io_thread(), command);
  return false;
}

int Api::owner_of(const Request& request, PlayerCall& call, Reply& reply, int* partition) {
  const uint32_t self = reactor_.self();
  std::string_view token = bearer_token(request.authorization);
  if (call.route == kRouteOperatorLaunch) {
    if (!operator_authorized(request, reply)) return -1;
    // A body the handler refuses is refused on any shard: this one.
    call.launch_error = read_operator_launch(body_parser_, call.body, &launch_body_);
    if (!call.launch_error.empty()) return static_cast<int>(self);
    call.launch = &launch_body_;
    *partition = partition_of_player(launch_body_.player_id);
    return static_cast<int>(
        shard_of_partition(static_cast<uint16_t>(*partition), runtime_.shard_count()));
  }
  if (is_operator_session_route(call.route)) {
    if (!operator_authorized(request, reply)) return -1;
    if (std::optional<uint16_t> p = partition_of_id(call.param, IdKind::kSession)) {
      *partition = *p;
      return static_cast<int>(shard_of_partition(*p, runtime_.shard_count()));
    }
    // A session id minted before partitions names its shard on this node.
    std::optional<ParsedId> id = parse_id(call.param, IdKind::kSession);
    if (id && id->owner.legacy && id->owner.value < runtime_.shard_count()) return id->owner.value;
    reply.error(404, "not_found", "No such session.");
    return -1;
  }
  // A token names its player's partition (model/partition.h); the node serving it knows it.
  std::optional<uint16_t> owner = partition_of_token(token);
  if (!owner) {
    reply.set_route(call.route);
    reply.error(401, "unauthorized", "The bearer token is missing, unknown or expired.");
    return -1;
  }
  *partition = *owner;
  return static_cast<int>(shard_of_partition(*owner, runtime_.shard_count()));
}

std::optional<uint16_t> Api::partition_of_token(std::string_view token) const {
  PlayerCall call;
  call.token = token;
  return partition_of(call, runtime_.legacy_tokens);
}

bool Api::handle_readyz(ConnRef ref, Reply& reply) {
  if (draining_) {
    reply.error(503, "unavailable", "The server is draining.");
    reply.add_header("Retry-After", "1");
    return true;
  }
  // Readiness is the I/O core's to tell (store, backends); asking it also proves the
  // shard -> I/O core -> shard path works.
  reactor_.mailbox().send(runtime_.io_thread(), ReadyQuery{ref});
  return false;
}

void Api::handle_metrics(Reply& reply) {
  reply.set_content_type("text/plain; version=0.0.4");
  render_metrics(runtime_, reply.body());
}

void Api::respond(void* ctx, ReplyTarget target, Reply& reply) {
  auto* self = static_cast<Api*>(ctx);
  if (target.shard == self->reactor_.self()) {
    self->complete(target.ref, reply);
  } else {
    send_forward_reply(self->reactor_.mailbox(), target.shard, target.ref, reply);
  }
}

void Api::on_forward_request(uint32_t from, const ForwardRequest& m) {
  PlayerCall call;
  read_forward(m, &call, &launch_body_);
  Reply reply(reply_body_);
  if (player_.handle(call, {from, m.ref}, reply)) {
    send_forward_reply(reactor_.mailbox(), from, m.ref, reply);
  }
}

void Api::on_forward_reply(const ForwardReply& m) {
  Reply reply(reply_body_);
  read_forward_reply(m, reply);
  complete(m.ref, reply);
}

void Api::on_ready_reply(const ReadyReply& m) {
  Reply reply(reply_body_);
  reply.set_route(kRouteReadyz);
  JsonWriter w(reply.body());
  if (m.ready) {
    w.begin_object().key("ready").value(true).end_object();
  } else {
    reply.set_status(503);
    w.begin_object().key("error").value("unavailable").key("message");
    w.value(std::string_view(m.reason, strnlen(m.reason, sizeof m.reason)));
    w.key("ready").value(false).end_object();
    reply.add_header("Retry-After", "1");
  }
  http_->complete(m.ref, reply);
}

}  // namespace ringside

// PlayerApi's dispatch, authentication and inputs, and the hot path — the status poll and the
// keepalive — beside them, so the store lookups they make inline into one function.
#include "api/player_api.h"

#include <optional>

#include "api/request_bodies.h"
#include "api/routes.h"
#include "model/identifiers.h"
#include "model/partition.h"
#include "model/token_hash.h"

namespace ringside {

PlayerApi::PlayerApi(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics,
                     Responder respond)
    : runtime_(runtime),
      reactor_(reactor),
      metrics_(metrics),
      minter_(runtime.token_secret),
      tokens_(minter_, reactor.timers(), reactor.clock(), seconds(runtime.config.token_ttl_s),
              seconds(runtime.config.refresh_grace_s)),
      sessions_(reactor.timers(), reactor.clock(), seconds(runtime.config.session_idle_timeout_s),
                &PlayerApi::on_timeout, this),
      writes_(runtime.config.database_url.empty()
                  ? nullptr
                  : std::make_unique<DurableWrites>(reactor.mailbox(), runtime.io_thread(),
                                                    runtime.catalog, runtime.servers)),
      launches_(runtime, reactor, metrics, sessions_),
      stop_waiters_(respond),
      held_(runtime, reactor, sessions_, tokens_, writes_.get(), launches_, stop_waiters_, respond),
      events_(runtime, reactor, sessions_, writes_.get(), held_, stop_waiters_, metrics),
      render_{runtime.catalog, runtime.servers, events_.session_urls(),
              runtime.published.placement(), reactor.clock()},
      partitions_(!runtime.config.node_id.empty(), reactor.self(), runtime.shard_count()),
      operator_sessions_(runtime, reactor, sessions_, render_, partitions_, respond),
      respond_(respond) {
  Mailbox& mailbox = reactor.mailbox();
  mailbox.set_handler<&PlayerApi::on_backend_id>(this);
  mailbox.set_handler<&PlayerApi::on_partition_rows>(this);
  mailbox.set_handler<&PlayerApi::on_partition_serve>(this);
  mailbox.set_handler<&PlayerApi::on_partition_release>(this);
  mailbox.set_handler<&PlayerApi::on_lease_deadline>(this);
  mailbox.set_handler<&PlayerApi::on_stop_for_reason>(this);
  if (!durable()) return;
  tokens_.track_use();
  sessions_.track_keepalives();
  lazy_timer_.api = this;
  lazy_timer_.on_fire = &PlayerApi::on_lazy_write_timer;
  reactor.timers().arm(&lazy_timer_, reactor.now_ms() + kLazyWriteIntervalMs);
}

PlayerApi::~PlayerApi() { reactor_.timers().cancel(&lazy_timer_); }

// ---- dispatch ----------------------------------------------------------------------------

bool PlayerApi::handle(const PlayerCall& call, ReplyTarget target, Reply& reply) {
  reply.set_route(call.route);
  // The body was read where the request arrived (Api::owner_of).
  if (call.route == kRouteOperatorLaunch && !call.launch) {
    bad_request(reply, call.launch_error);
    return true;
  }
  if (const std::optional<uint16_t> partition = partition_of(call, runtime_.legacy_tokens);
      partition && partitions_.route(*partition, reactor_.now_ms()) != PartitionRoute::kServe) {
    not_served(reply);
    return true;
  }
  if (call.route == kRouteOperatorLaunch) return operator_launch(*call.launch, target, reply);
  // Only another node asks this way (POST /_ringside/forward): its part of a listing.
  if (call.route == kRouteOperatorSessions) {
    return operator_sessions_.node_part(call.query, target, reply);
  }
  if (call.route == kRouteOperatorSession) return operator_session(call, target, reply);
  if (call.route == kRouteOperatorSessionStop) return operator_stop(call, target, reply);
  if (call.route == kRouteSessionStatus) {
    session_status(call, reply);  // authenticates itself (see there)
    return true;
  }
  AuthContext auth;
  if (!authenticate(call, reply, &auth)) return true;
  switch (call.route) {
    case kRouteSessionRefresh:
      return refresh(auth, target, reply);
    case kRouteGames:
      games(reply);
      return true;
    case kRouteGame:
      game(call, reply);
      return true;
    case kRouteLaunch:
      return launch(call, auth, target, reply);
    case kRouteKeepalive:
      keepalive(call, auth, reply);
      return true;
    case kRouteStop:
      return stop(call, auth, target, reply);
    case kRouteSessions:
      list_sessions(auth, reply);
      return true;
    case kRouteCurrent:
      current(auth, reply);
      return true;
    case kRouteHistory:
      history(call, auth, reply);
      return true;
    case kRouteSessionDetails:
      details(call, auth, reply);
      return true;
    case kRouteSaveSlots:
      save_slots(call, auth, reply);
      return true;
    default:
      not_found(reply, "No such path.");
      return true;
  }
}

bool PlayerApi::authenticate(const PlayerCall& call, Reply& reply, AuthContext* auth,
                             const TokenHash* hash) {
  if (call.token.empty() || !tokens_.authenticate(hash ? *hash : hash_token(call.token), auth)) {
    reply.error(401, "unauthorized", "The bearer token is missing, unknown or expired.");
    return false;
  }
  // The player's partition is always known here, even when the token's was not (a legacy
  // token missing from Runtime::legacy_tokens): past the lease, or once released, memory is
  // not the truth, so nothing is answered from it.
  if (partitions_.route(sessions_.player(auth->player).partition, reactor_.now_ms()) !=
      PartitionRoute::kServe) {
    not_served(reply);
    return false;
  }
  return true;
}

// ---- inputs ------------------------------------------------------------------------------

std::optional<QueryValue> PlayerApi::query_param(std::string_view query, std::string_view name) {
  query_scratch_.clear();
  return find_query_param(query, name, query_scratch_);
}

GameSession* PlayerApi::session_by_text(std::string_view text, const AuthContext& auth) {
  std::optional<ParsedId> id = parse_id(text, IdKind::kSession);
  if (!id) return nullptr;
  GameSession* s = sessions_.find(id->bits, auth.player);
  return s && s->owner == id->owner ? s : nullptr;
}

GameSession* PlayerApi::session_from_body(const PlayerCall& call, const AuthContext& auth,
                                          Reply& reply) {
  SessionBody body;
  if (std::string_view err = read_session_body(body_parser_, call.body, &body); !err.empty()) {
    bad_request(reply, err);
    return nullptr;
  }
  GameSession* s = session_by_text(body.session_id, auth);
  if (!s) not_found(reply, "No such session.");
  return s;
}

// ---- the hot path: status polls and keepalives ------------------------------------------

// The poll every browser sends every 2 s. The token's and the session's tables are far bigger
// than the caches, so both lookups are started before either is read: their cache misses
// overlap instead of queueing. Answers as the other routes do (401, then 400, then 404).
void PlayerApi::session_status(const PlayerCall& call, Reply& reply) {
  TokenHash hash;
  if (!call.token.empty()) {
    hash = hash_token(call.token);
    tokens_.prefetch(hash);
  }
  // Nothing is decoded before the token is known. An id needs no decoding, so a query without
  // escapes is read now, to start the session's lookup while the token's is under way.
  const bool plain = call.query.find_first_of("%+") == std::string_view::npos;
  std::optional<QueryValue> param;
  std::optional<ParsedId> id;
  if (plain) {
    param = find_query_param(call.query, "sessionId", query_scratch_);  // a view into the query
    if (param) id = parse_id(param->value, IdKind::kSession);
    if (id) sessions_.prefetch(id->bits);
  }

  AuthContext auth;
  if (!authenticate(call, reply, &auth, &hash)) return;
  if (!plain) {
    param = query_param(call.query, "sessionId");
    if (param && param->ok) id = parse_id(param->value, IdKind::kSession);
  }
  if (!param || !param->ok || param->value.empty()) {
    return bad_request(reply, "Query parameter 'sessionId' is required.");
  }
  GameSession* s = id ? sessions_.find(id->bits, auth.player) : nullptr;
  if (!s || s->owner != id->owner) return not_found(reply, "No such session.");
  JsonWriter w(reply.body());
  w.begin_object();
  render_status_fields(w, *s, render_, url_scratch_);
  w.end_object();
}

void PlayerApi::keepalive(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  GameSession* s = session_from_body(call, auth, reply);
  if (!s) return;
  if (s->status != SessionStatus::kStarting && s->status != SessionStatus::kRunning) {
    return not_found(reply, "The session is no longer active.");
  }
  sessions_.keepalive(*s);
  JsonWriter w(reply.body());
  w.begin_object().key("status").value("ok");
  w.key("expiresAt").timestamp(sessions_.idle_deadline_ms(*s) / 1000).end_object();
}

// ---- metrics -----------------------------------------------------------------------------

void PlayerApi::publish_metrics() {
  for (size_t i = 0; i < kSessionStatusCount; ++i) {
    metrics_.sessions_by_status[i].set(sessions_.count(static_cast<SessionStatus>(i)));
  }
  metrics_.token_sessions.set(tokens_.token_sessions());
}

}  // namespace ringside

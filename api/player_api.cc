#include "api/player_api.h"

#include <charconv>
#include <cstring>

#include "api/player_api_helpers.h"
#include "api/request_bodies.h"
#include "api/routes.h"
#include "http/query.h"
#include "model/identifiers.h"
#include "model/messages.h"
#include "model/token_hash.h"

namespace ringside {
namespace {

// Bounds the save-slots answer too (it must fit one cross-shard message).
constexpr size_t kMaxSaveSlots = 100;

void bad_request(Reply& reply, std::string_view message) {
  reply.error(400, "invalid_request", message);
}

void not_found(Reply& reply, std::string_view what) { reply.error(404, "not_found", what); }

}  // namespace

PlayerApi::PlayerApi(Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics, Responder respond,
                     void* respond_ctx)
    : runtime_(runtime),
      reactor_(reactor),
      metrics_(metrics),
      respond_(respond),
      respond_ctx_(respond_ctx),
      shard_(static_cast<uint16_t>(reactor.self())),
      minter_(runtime.token_secret),
      tokens_(shard_, minter_, reactor.timers(), reactor.clock(),
              seconds(runtime.config.token_ttl_s), seconds(runtime.config.refresh_grace_s)),
      sessions_(reactor.timers(), reactor.clock(), seconds(runtime.config.session_idle_timeout_s),
                &PlayerApi::on_idle, this),
      player_launches_(Rate{runtime.config.launch_rate_per_player},
                       runtime.config.launch_burst_per_player),
      shard_budget_(shard_share_of(Rate{runtime.config.launch_budget},
                                   runtime.config.launch_budget_burst, runtime.shard_count()),
                    reactor.now_ms()) {
  Mailbox& mailbox = reactor.mailbox();
  mailbox.set_handler<&PlayerApi::on_session_phase>(this);
  mailbox.set_handler<&PlayerApi::on_session_running>(this);
  mailbox.set_handler<&PlayerApi::on_session_failed>(this);
  mailbox.set_handler<&PlayerApi::on_session_stopped>(this);
  mailbox.set_handler<&PlayerApi::on_session_url>(this);
  mailbox.set_handler<&PlayerApi::on_store_result_message>(this);
  mailbox.set_handler<&PlayerApi::on_store_availability>(this);
  if (runtime.config.database_url.empty()) return;
  writes_ = std::make_unique<DurableWrites>(reactor.mailbox(), runtime.io_thread(), shard_,
                                            runtime.catalog, runtime.servers);
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
  if (call.route == kRouteOperatorLaunch) {
    // The body was read where the request arrived (Api::owner_of).
    if (!call.launch) {
      bad_request(reply, call.launch_error);
      return true;
    }
    return operator_launch(*call.launch, target, reply);
  }
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
  return true;
}

// ---- tokens and catalog ------------------------------------------------------------------

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
  if (durable() && !store_available_) {
    unavailable(reply);
    return true;
  }
  uint32_t player = sessions_.find_or_add_player(body.player_id);
  TokenGrant grant = tokens_.grant(player, game);
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
  const uint64_t seq = writes_->token(sessions_.player(player), tokens_.record(grant.token_session),
                                      seconds(runtime_.config.token_ttl_s));
  defer(seq, std::move(pending), reply);
  return false;
}

bool PlayerApi::refresh(const AuthContext& auth, ReplyTarget target, Reply& reply) {
  if (durable() && !store_available_) {
    unavailable(reply);
    return true;
  }
  const TokenRecord before = tokens_.record(auth.token_session);
  TokenGrant grant;
  if (!tokens_.refresh(auth, &grant)) {
    reply.error(409, "token_already_refreshed",
                "This token was already refreshed; use the newest.");
    return true;
  }
  JsonWriter w(reply.body());
  w.begin_object().key("sessionToken").value(std::string_view(grant.token, kIdTextLength));
  w.key("expiresAt").timestamp(grant.expires_at_ms / 1000).end_object();
  if (!durable()) return true;
  PendingWrite pending{PendingWrite::What::kRefresh, target};
  pending.token_session = auth.token_session;
  pending.before = before;
  const uint64_t seq =
      writes_->token(sessions_.player(auth.player), tokens_.record(auth.token_session),
                     seconds(runtime_.config.token_ttl_s));
  defer(seq, std::move(pending), reply);
  return false;
}

void PlayerApi::games(Reply& reply) {
  JsonWriter w(reply.body());
  w.begin_object().key("games").begin_array();
  for (const Game& g : runtime_.catalog.games()) {
    w.begin_object().key("slug").value(g.slug).key("title").value(g.title);
    w.key("image").value(g.image).key("sizeMb").value(g.size_mb).end_object();
  }
  w.end_array().end_object();
}

void PlayerApi::game(const PlayerCall& call, Reply& reply) {
  if (!is_valid_slug(call.param)) return bad_request(reply, kBadSlugPath);
  int index = runtime_.catalog.find(call.param);
  if (index < 0) return not_found(reply, "No game with that slug.");
  const Game& g = runtime_.catalog.games()[static_cast<size_t>(index)];
  JsonWriter w(reply.body());
  w.begin_object().key("slug").value(g.slug).key("title").value(g.title);
  w.key("image").value(g.image).key("sizeMb").value(g.size_mb).end_object();
}

// ---- sessions ----------------------------------------------------------------------------

bool PlayerApi::launch(const PlayerCall& call, const AuthContext& auth, ReplyTarget target,
                       Reply& reply) {
  LaunchBody body;
  if (std::string_view err = read_launch(body_parser_, call.body, &body); !err.empty()) {
    bad_request(reply, err);
    return true;
  }
  uint16_t game;
  if (body.game_slug) {
    int g = runtime_.catalog.find(*body.game_slug);
    if (auth.game_scope != kAnyGame && (g < 0 || static_cast<uint16_t>(g) != auth.game_scope)) {
      reply.error(403, "forbidden", "This token is scoped to another game.");
      return true;
    }
    if (g < 0) {
      not_found(reply, "No game with that slug.");
      return true;
    }
    game = static_cast<uint16_t>(g);
  } else if (auth.game_scope != kAnyGame) {
    game = auth.game_scope;
  } else {
    {
      bad_request(reply, "Field 'gameSlug' is required.");
      return true;
    }
  }
  const bool want_fresh = body.fresh;
  if (body.save_slot_id && want_fresh) {
    {
      bad_request(reply, "Give either 'saveSlotId' or 'fresh', not both.");
      return true;
    }
  }

  Player& player = sessions_.player(auth.player);
  SaveSlot* slot = nullptr;
  if (body.save_slot_id) {
    std::optional<ParsedId> id = parse_id(*body.save_slot_id, IdKind::kSaveSlot);
    if (id) slot = sessions_.find_slot(player, id->bits);
    if (!slot || slot->game != game) {
      not_found(reply, "No such save slot of this game.");
      return true;
    }
  }
  if (player.active != kNoSession) {
    reply.error(409, "session_active", "The player already has an active session.");
    reply.body().clear();
    JsonWriter w(reply.body());
    w.begin_object().key("error").value("session_active");
    w.key("message").value("The player already has an active session.");
    w.key("sessionId");
    render_session_id(w, sessions_.session(player.active));
    w.end_object();
    return true;
  }
  if (!runtime_.launches_accepted.load(std::memory_order_relaxed)) {
    metrics_.launches_refused_no_servers.add();
    reply.error(503, "no_servers", "No game server can take a session now.");
    retry_after(reply, 5);
    return true;
  }
  if (durable() && !store_available_) {
    unavailable(reply);
    return true;
  }
  // The budgets are spent when the launch is accepted for good: at once in memory, on commit
  // with a database (on_store_result), so a launch the database refuses costs nothing. Until
  // then the shard's launches in flight hold their place in its budget; the player's bucket
  // needs no such count, as the player's in-flight launch is its one active session.
  const uint64_t now = reactor_.now_ms();
  if (!player_launches_.can_take(player.launch_bucket, now)) {
    metrics_.launches_rate_limited.add();
    reply.error(429, "rate_limited", "Too many launches for this player.");
    retry_after(reply, player_launches_.retry_after_seconds(player.launch_bucket, now));
    return true;
  }
  const double in_flight = static_cast<double>(uncommitted_launches_.size());
  if (!shard_budget_.can_take(now, in_flight + 1)) {
    metrics_.launches_rate_limited.add();
    reply.error(429, "rate_limited", "Too many launches right now.");
    retry_after(reply, shard_budget_.retry_after_seconds(now, in_flight + 1));
    return true;
  }

  if (!slot && !want_fresh) slot = sessions_.latest_slot(player, game);
  if (!slot && player.slots.size() >= kMaxSaveSlots) {
    reply.error(409, "slot_limit", "The player has the most save slots allowed; continue one.");
    return true;
  }
  const bool made_slot = !slot;
  if (made_slot) slot = &sessions_.new_slot(player, game);
  uint32_t index = sessions_.create(auth.player, game, slot->id);
  GameSession& s = sessions_.session(index);

  reply.set_status(202);
  JsonWriter w(reply.body());
  w.begin_object().key("sessionId");
  render_session_id(w, s);
  w.key("status").value("starting").end_object();
  if (durable()) {
    // Placed once the session's row is committed; until then it waits here, unanswered.
    PendingWrite pending{PendingWrite::What::kLaunch, target};
    pending.session = s.id;
    pending.new_slot = slot->id;
    pending.made_slot = made_slot;
    uncommitted_launches_.insert(s.id);
    defer(writes_->launch(player, s, made_slot ? slot : nullptr), std::move(pending), reply);
    return false;
  }
  player_launches_.take(player.launch_bucket, now);
  shard_budget_.take(now);
  place(s);
  metrics_.launches_accepted.add();
  return true;
}

void PlayerApi::place(const GameSession& s) {
  Player& player = sessions_.player(s.player);
  const SaveSlot* slot = sessions_.find_slot(player, s.slot);
  const bool fresh_slot = !slot || slot->size_bytes == 0;
  const uint16_t game = s.game;
  const Id128 slot_id = s.slot;

  PlaceSession place;
  place.session = s.id;
  place.save_slot = slot_id;
  place.game = game;
  place.owner_shard = shard_;
  place.fresh_slot = fresh_slot;
  place.player_id = player.id;
  reactor_.mailbox().send(runtime_.io_thread(), place);
}

GameSession* PlayerApi::session_by_text(std::string_view text, const AuthContext& auth) {
  std::optional<ParsedId> id = parse_id(text, IdKind::kSession);
  if (!id || id->shard != shard_) return nullptr;
  return sessions_.find(id->bits, auth.player);
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
    if (id && id->shard == shard_) sessions_.prefetch(id->bits);
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
  GameSession* s = id && id->shard == shard_ ? sessions_.find(id->bits, auth.player) : nullptr;
  if (!s) return not_found(reply, "No such session.");
  JsonWriter w(reply.body());
  w.begin_object();
  render_status_fields(w, *s);
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

bool PlayerApi::stop(const PlayerCall& call, const AuthContext& auth, ReplyTarget target,
                     Reply& reply) {
  GameSession* s = session_from_body(call, auth, reply);
  if (!s) return true;
  if (durable()) {
    // A launch not committed yet cannot be stopped (it is not placed; it may yet be undone):
    // its id shows in a 409 or /current before its 202 is sent.
    if (!store_available_ || uncommitted_launches_.contains(s->id)) {
      unavailable(reply);
      return true;
    }
    if (uncommitted_ends_.contains(s->id)) {
      stop_waiters_[s->id].push_back(target);  // answered with the others once the end commits
      return false;
    }
  }
  if (!s->active()) {
    render_stop_result(*s, reply);
    return true;
  }
  if (s->status != SessionStatus::kStopping) begin_stop(*s, EndReason::kStopped);
  stop_waiters_[s->id].push_back(target);
  return false;
}

void PlayerApi::begin_stop(GameSession& s, EndReason reason) {
  sessions_.set_status(s, SessionStatus::kStopping);
  s.end_reason = reason;
  // Recorded, so that a crash before the end leaves a session that is stopped again on start.
  if (durable()) writes_->status(s);
  reactor_.mailbox().send(runtime_.io_thread(), StopSession{s.id});
}

void PlayerApi::on_idle(void* ctx, uint32_t session) {
  auto* self = static_cast<PlayerApi*>(ctx);
  GameSession& s = self->sessions_.session(session);
  if (s.status == SessionStatus::kStarting || s.status == SessionStatus::kRunning) {
    self->begin_stop(s, EndReason::kIdleTimeout);
  }
}

void PlayerApi::list_sessions(const AuthContext& auth, Reply& reply) {
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object().key("sessions").begin_array();
  if (p.active != kNoSession) {
    const GameSession& s = sessions_.session(p.active);
    w.begin_object().key("sessionId");
    render_session_id(w, s);
    const Game& g = runtime_.catalog.games()[s.game];
    w.key("gameSlug").value(g.slug).key("gameTitle").value(g.title);
    w.key("status").value(status_name(s.status));
    w.key("startedAt").timestamp(s.started_ms / 1000).end_object();
  }
  w.end_array().end_object();
}

void PlayerApi::current(const AuthContext& auth, Reply& reply) {
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object();
  if (p.active == kNoSession) {
    w.key("active").value(false);
  } else {
    w.key("active").value(true).key("session").begin_object();
    render_status_fields(w, sessions_.session(p.active));
    w.end_object();
  }
  w.end_object();
}

void PlayerApi::history(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  uint64_t limit = 10;
  if (std::optional<QueryValue> q = query_param(call.query, "limit")) {
    std::string_view v = q->value;
    auto r = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (!q->ok || v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || limit < 1 ||
        limit > 100) {
      return bad_request(reply, "Query parameter 'limit' must be an integer from 1 to 100.");
    }
  }
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_array();
  uint64_t written = 0;
  for (auto it = p.history.rbegin(); it != p.history.rend() && written < limit; ++it, ++written) {
    const GameSession& s = sessions_.session(*it);
    w.begin_object().key("sessionId");
    render_session_id(w, s);
    w.key("gameSlug").value(runtime_.catalog.games()[s.game].slug);
    w.key("startedAt").timestamp(s.started_ms / 1000);
    w.key("endedAt").timestamp(s.ended_ms / 1000);
    w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
    w.key("cpuSeconds").value(s.cpu_seconds);
    w.key("peakMemoryMb").value(s.peak_memory_mb);
    w.key("endReason").value(end_reason_name(s.end_reason));
    w.end_object();
  }
  w.end_array();
}

void PlayerApi::details(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  GameSession* s = session_by_text(call.param, auth);
  if (!s) return not_found(reply, "No such session.");
  JsonWriter w(reply.body());
  w.begin_object();
  render_status_fields(w, *s);
  w.key("gameSlug").value(runtime_.catalog.games()[s->game].slug);
  w.key("saveSlotId").value(id_to_string(IdKind::kSaveSlot, shard_, s->slot));
  w.key("lastKeepaliveAt").timestamp(s->last_keepalive_ms / 1000);
  if (s->active()) {
    w.key("expiresAt").timestamp(sessions_.idle_deadline_ms(*s) / 1000);
    w.key("endedAt").null().key("duration").value(s->duration_ms(reactor_.clock().unix_ms) / 1000);
    w.key("cpuSeconds").null().key("peakMemoryMb").null().key("endReason").null();
  } else {
    w.key("endedAt").timestamp(s->ended_ms / 1000);
    w.key("duration").value(s->duration_ms(s->ended_ms) / 1000);
    w.key("cpuSeconds").value(s->cpu_seconds).key("peakMemoryMb").value(s->peak_memory_mb);
    w.key("endReason").value(end_reason_name(s->end_reason));
  }
  w.end_object();
}

void PlayerApi::save_slots(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  uint16_t game = auth.game_scope;
  if (std::optional<QueryValue> q = query_param(call.query, "gameSlug")) {
    if (!q->ok || !is_valid_slug(q->value)) return bad_request(reply, kBadGameSlugQuery);
    int g = runtime_.catalog.find(q->value);
    if (g < 0) return not_found(reply, "No game with that slug.");
    if (auth.game_scope != kAnyGame && static_cast<uint16_t>(g) != auth.game_scope) {
      reply.error(403, "forbidden", "This token is scoped to another game.");
      return;
    }
    game = static_cast<uint16_t>(g);
  }
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object().key("slots").begin_array();
  for (const SaveSlot& slot : p.slots) {
    if (game != kAnyGame && slot.game != game) continue;
    w.begin_object().key("id").value(id_to_string(IdKind::kSaveSlot, shard_, slot.id));
    w.key("gameSlug").value(runtime_.catalog.games()[slot.game].slug);
    w.key("createdAt").timestamp(slot.created_ms / 1000);
    w.key("updatedAt").timestamp(slot.updated_ms / 1000);
    w.key("sizeBytes").value(slot.size_bytes).end_object();
  }
  w.end_array().end_object();
}

// ---- inputs ------------------------------------------------------------------------------

std::optional<QueryValue> PlayerApi::query_param(std::string_view query, std::string_view name) {
  query_scratch_.clear();
  return find_query_param(query, name, query_scratch_);
}

// ---- rendering ---------------------------------------------------------------------------

void PlayerApi::render_session_id(JsonWriter& w, const GameSession& s) {
  char id[kIdTextLength];
  format_id(IdKind::kSession, shard_, s.id, id);
  w.value(std::string_view(id, kIdTextLength));
}

void PlayerApi::render_status_fields(JsonWriter& w, const GameSession& s) {
  char id[kIdTextLength];
  format_id(IdKind::kSession, shard_, s.id, id);
  const std::string_view id_text(id, kIdTextLength);
  w.key("sessionId").value(id_text);
  w.key("status").value(status_name(s.status));
  if (s.status == SessionStatus::kRunning) {
    const std::string* own = nullptr;
    if (!session_urls_.empty()) {
      if (auto it = session_urls_.find(s.id); it != session_urls_.end()) own = &it->second;
    }
    const std::string& base = own ? *own : runtime_.servers[s.server].url_base;
    w.key("serverUrl").value(base);
    // containerUrl = serverUrl + "/session/" + id + "/": rendered per answer, never stored.
    url_scratch_.clear();
    url_scratch_.append(base);
    url_scratch_.append("/session/");
    url_scratch_.append(id_text);
    url_scratch_.push_back('/');
    w.key("containerUrl").value(url_scratch_.view());
  } else {
    w.key("serverUrl").null().key("containerUrl").null();
  }
  w.key("gameTitle").value(runtime_.catalog.games()[s.game].title);
  w.key("startedAt").timestamp(s.started_ms / 1000);
  if (s.status == SessionStatus::kStarting) w.key("phase").value(phase_name(s.phase));
  if (s.status == SessionStatus::kError) {
    w.key("error").begin_object().key("code").value(error_code(s.error));
    w.key("message").value(error_message(s.error)).end_object();
  }
  render_save_error(w, s);
}

void PlayerApi::render_stop_result(const GameSession& s, Reply& reply) {
  JsonWriter w(reply.body());
  w.begin_object().key("status").value(status_name(s.status));
  w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
  w.key("cpuSeconds").value(s.cpu_seconds).key("peakMemoryMb").value(s.peak_memory_mb);
  render_save_error(w, s);
  w.end_object();
}

// A stop that could not keep the save data still ends `stopped`, with its figures; this says
// what happened to the save (the slot keeps the previous one).
void PlayerApi::render_save_error(JsonWriter& w, const GameSession& s) {
  if (s.save_error == SaveError::kNone) return;
  w.key("saveError").begin_object().key("code").value(save_error_code(s.save_error));
  w.key("message").value(save_error_message(s.save_error)).end_object();
}

// ---- updates from the I/O core -------------------------------------------------------------

void PlayerApi::publish_metrics() {
  for (int i = 0; i < 5; ++i) {
    metrics_.sessions_by_status[i].set(sessions_.count(static_cast<SessionStatus>(i)));
  }
  metrics_.token_sessions.set(tokens_.token_sessions());
}

}  // namespace ringside

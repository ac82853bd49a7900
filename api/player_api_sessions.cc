// A session's start and end: the launch and the stop (an idle timeout or the time limit stops
// one too). Its
// status poll and keepalive are in player_api.cc, with the dispatch they are inlined into.
#include "api/player_api.h"
#include "api/request_bodies.h"
#include "api/routes.h"
#include "model/identifiers.h"
#include "model/messages.h"

namespace ringside {
namespace {

// Bounds the save-slots answer too (it must fit one cross-shard message).
constexpr size_t kMaxSaveSlots = 100;

}  // namespace

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
  if (runtime_.catalog.games()[game].removed) {  // a token scoped to a game a reload removed
    not_found(reply, "No game with that slug.");
    return true;
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
    if (!slot || slot->owner != id->owner || slot->game != game) {
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
  if (!runtime_.published.launches_accepted()) {
    metrics_.launches_refused_no_servers.add();
    reply.error(503, "no_servers", "No game server can take a session now.");
    retry_after(reply, 5);
    return true;
  }
  if (store_down()) {
    unavailable(reply);
    return true;
  }
  // The budgets are spent when the launch is accepted for good (LaunchAdmission).
  const uint64_t now = reactor_.now_ms();
  if (!launches_.has_room(player, now, held_.launches_in_flight(), reply)) return true;

  if (!slot && !want_fresh) slot = sessions_.latest_slot(player, game);
  if (!slot && player.slots.size() >= kMaxSaveSlots) {
    reply.error(409, "slot_limit", "The player has the most save slots allowed; continue one.");
    return true;
  }
  const bool made_slot = !slot;
  if (made_slot) slot = &sessions_.new_slot(player, game);
  uint32_t index = sessions_.create(auth.player, game, slot->id, slot->owner);
  GameSession& s = sessions_.session(index);

  reply.set_status(202);
  JsonWriter w(reply.body());
  w.begin_object().key("sessionId");
  render_session_id(w, s);
  w.key("status").value("starting").end_object();
  if (durable()) {
    // Placed once the session's row is committed; until then it waits here, unanswered.
    PendingWrite pending{PendingWrite::What::kLaunch, target};
    pending.partition = player.partition;
    pending.session = s.id;
    pending.new_slot = slot->id;
    pending.owner = s.owner;
    pending.made_slot = made_slot;
    held_.defer(writes_->launch(player, s, made_slot ? slot : nullptr), std::move(pending), reply);
    return false;
  }
  launches_.accept(s, now);
  return true;
}

bool PlayerApi::stop(const PlayerCall& call, const AuthContext& auth, ReplyTarget target,
                     Reply& reply) {
  GameSession* s = session_from_body(call, auth, reply);
  if (!s) return true;
  return stop_session(*s, EndReason::kStopped, target, reply);
}

bool PlayerApi::stop_session(GameSession& session, EndReason reason, ReplyTarget target,
                             Reply& reply) {
  GameSession* s = &session;
  if (durable()) {
    // A launch not committed yet cannot be stopped (it is not placed; it may yet be undone):
    // its id shows in a 409 or /current before its 202 is sent.
    if (!held_.store_available() || held_.launch_uncommitted(s->id)) {
      unavailable(reply);
      return true;
    }
    if (held_.end_uncommitted(s->id)) {
      stop_waiters_.add(s->id, target);  // answered with the others once the end commits
      return false;
    }
  }
  if (!s->active()) {
    render_stop_result(*s, reply.body());
    return true;
  }
  if (s->status != SessionStatus::kStopping) begin_stop(*s, reason);
  stop_waiters_.add(s->id, target);
  return false;
}

void PlayerApi::begin_stop(GameSession& s, EndReason reason) {
  sessions_.set_status(s, SessionStatus::kStopping);
  s.end_reason = reason;
  s.stopping_after_ms = s.after_launch_ms(reactor_.clock().unix_ms);
  // Recorded, so that a crash before the end leaves a session that is stopped again on start.
  if (durable()) writes_->status(s);
  reactor_.mailbox().send(runtime_.io_thread(), StopSession{s.id});
}

// The session's timer: idle (starting or running) or at its time limit (running only).
void PlayerApi::on_timeout(void* ctx, uint32_t session, EndReason why) {
  auto* self = static_cast<PlayerApi*>(ctx);
  GameSession& s = self->sessions_.session(session);
  if (s.status == SessionStatus::kRunning ||
      (s.status == SessionStatus::kStarting && why == EndReason::kIdleTimeout)) {
    self->begin_stop(s, why);
  }
}

bool PlayerApi::on_stop_for_reason(uint32_t from, const StopForReason& m) {
  if (from != runtime_.io_thread()) return false;
  // Not found: its partition moved away, or it ended and was swept; already stopping or
  // ended: its final message is on the way or was sent. Nothing to do either way.
  GameSession* s = sessions_.find(m.session);
  if (s && (s->status == SessionStatus::kStarting || s->status == SessionStatus::kRunning)) {
    begin_stop(*s, m.reason);
  }
  return true;
}

}  // namespace ringside

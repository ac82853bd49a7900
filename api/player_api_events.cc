// What the I/O core reports about a shard's sessions (their phase, running, failed, stopped,
// their own URL) and about the store, and the end of a session: its final status, its
// figures, and the stop requests that wait for it.
#include <cmath>
#include <string>
#include <vector>

#include "api/player_api.h"
#include "api/routes.h"
#include "model/messages.h"

namespace ringside {

void PlayerApi::finish(GameSession& s, SessionStatus status, SessionError error,
                       const SessionFigures& figures) {
  EndReason reason = s.end_reason != EndReason::kNone ? s.end_reason : EndReason::kStopped;
  if (status == SessionStatus::kError) reason = EndReason::kError;
  if (status == SessionStatus::kStopped) {
    Player& p = sessions_.player(s.player);
    if (SaveSlot* slot = sessions_.find_slot(p, s.slot); slot && figures.save_bytes > 0) {
      slot->size_bytes = figures.save_bytes;
      slot->updated_ms = reactor_.clock().unix_ms;
    }
  }
  s.save_error = figures.save_error;
  sessions_.end(s, status, reason, error, figures.cpu_seconds, figures.peak_memory_mb);
  session_urls_.erase(s.id);
  restored_stopping_.erase(s.id);
  if (!durable()) {
    answer_stop_waiters(s);
    return;
  }
  // The waiters are answered once the end is committed.
  const SaveSlot* saved = nullptr;
  if (status == SessionStatus::kStopped && figures.save_bytes > 0) {
    saved = sessions_.find_slot(sessions_.player(s.player), s.slot);
  }
  const uint64_t seq = writes_->ended(s, saved);
  PendingWrite pending{PendingWrite::What::kEnded, ReplyTarget{}};
  pending.session = s.id;
  pending_.emplace(seq, std::move(pending));
  uncommitted_ends_[s.id] = seq;
}

void PlayerApi::answer_stop_waiters(const GameSession& s) {
  auto found = stop_waiters_.find(s.id);
  if (found == stop_waiters_.end()) return;
  const std::vector<ReplyTarget> waiters = std::move(found->second);
  stop_waiters_.erase(found);
  for (const ReplyTarget& t : waiters) {
    Reply reply(deferred_body_);
    reply.set_route(kRouteStop);
    render_stop_result(s, reply);
    respond_(respond_ctx_, t, reply);
  }
}

void PlayerApi::refuse_stop_waiters(const Id128& session) {
  auto found = stop_waiters_.find(session);
  if (found == stop_waiters_.end()) return;
  const std::vector<ReplyTarget> waiters = std::move(found->second);
  stop_waiters_.erase(found);
  for (const ReplyTarget& t : waiters) answer_unavailable(t, kRouteStop);
}

void PlayerApi::on_session_phase(const SessionPhaseUpdate& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->status == SessionStatus::kStarting) {
    s->phase = m.phase;
    s->server = m.server;
    // Recorded with its server before a container exists: after a crash, recovery finds
    // the container this start made (docs/docker-backend.md, "Engines, listings,
    // recovery").
    if (durable() && m.phase == StartPhase::kCreating) writes_->status(*s);
  }
}

void PlayerApi::on_session_running(const SessionRunning& m) {
  GameSession* s = sessions_.find(m.session);
  if (!s) return;
  if (restored_stopping_.erase(m.session)) {
    // Adopted after a restart while it was stopping: stop it again.
    s->server = m.server;
    reactor_.mailbox().send(runtime_.io_thread(), StopSession{s->id});
    return;
  }
  if (s->status == SessionStatus::kStarting) {
    sessions_.set_status(*s, SessionStatus::kRunning);
    s->running_ms = reactor_.clock().unix_ms;  // the billed time starts
    s->server = m.server;
    if (durable()) {
      auto url = session_urls_.find(s->id);
      writes_->status(*s, url == session_urls_.end() ? nullptr : &url->second);
    }
  }
}

void PlayerApi::on_session_failed(const SessionFailed& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    finish(*s, SessionStatus::kError, m.error, SessionFigures{NAN, NAN, 0});
  }
}

void PlayerApi::on_session_stopped(const SessionStopped& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    finish(*s, SessionStatus::kStopped, SessionError::kNone, m.figures);
  }
}

void PlayerApi::on_session_url(const SessionUrl& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    session_urls_[m.session].assign(m.url);
  }
}

void PlayerApi::on_store_result_message(const StoreResult& m) { on_store_result(m.seq, m.outcome); }

void PlayerApi::on_store_availability(const StoreAvailability& m) {
  store_available_ = m.available;
}

}  // namespace ringside

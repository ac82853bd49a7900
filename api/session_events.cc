#include "api/session_events.h"

#include <cmath>

#include "api/webhook_event_body.h"
#include "model/messages.h"
#include "model/session_limit.h"

namespace ringside {

SessionEvents::SessionEvents(const Runtime& runtime, Reactor& reactor, SessionStore& sessions,
                             DurableWrites* writes, HeldAnswers& held, StopWaiters& stop_waiters,
                             PlayerMetrics& metrics)
    : runtime_(runtime),
      reactor_(reactor),
      sessions_(sessions),
      writes_(writes),
      held_(held),
      stop_waiters_(stop_waiters),
      metrics_(metrics) {
  Mailbox& mailbox = reactor.mailbox();
  mailbox.set_handler<&SessionEvents::on_session_phase>(this);
  mailbox.set_handler<&SessionEvents::on_session_running>(this);
  mailbox.set_handler<&SessionEvents::on_session_failed>(this);
  mailbox.set_handler<&SessionEvents::on_session_stopped>(this);
  mailbox.set_handler<&SessionEvents::on_session_url>(this);
  mailbox.set_handler<&SessionEvents::on_store_result>(this);
  mailbox.set_handler<&SessionEvents::on_store_availability>(this);
}

void SessionEvents::restore(const LoadedSession& loaded) {
  if (!loaded.server_url.empty() && loaded.status == SessionStatus::kRunning) {
    session_urls_[loaded.id] = loaded.server_url;
  }
  if (loaded.status == SessionStatus::kStopping) restored_stopping_.insert(loaded.id);
}

void SessionEvents::forget(const Id128& session) {
  session_urls_.erase(session);
  restored_stopping_.erase(session);
}

void SessionEvents::finish(GameSession& s, SessionStatus status, SessionError error,
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
  metrics_.sessions_ended[static_cast<size_t>(reason)].add();
  forget(s.id);
  const std::optional<WebhookEvent> event = webhook_event(s);
  if (!durable()) {
    send_webhook(event);
    stop_waiters_.answer(s);
    return;
  }
  // The waiters are answered once the end is committed.
  const SaveSlot* saved = nullptr;
  if (status == SessionStatus::kStopped && figures.save_bytes > 0) {
    saved = sessions_.find_slot(sessions_.player(s.player), s.slot);
  }
  const uint16_t partition = sessions_.player(s.player).partition;
  held_.hold_end(writes_->ended(s, saved, event ? &*event : nullptr, partition), s.id, partition);
}

std::optional<WebhookEvent> SessionEvents::webhook_event(const GameSession& s) const {
  if (runtime_.config.webhook_urls.empty()) return std::nullopt;
  return make_webhook_event(s, sessions_.player(s.player).id, runtime_.catalog,
                            reactor_.clock().unix_ms);
}

void SessionEvents::send_webhook(const std::optional<WebhookEvent>& event) {
  if (!event) return;
  WebhookEventMade m;
  m.id = event->id;
  m.session = event->session;
  m.body = event->body;
  m.made_unix_ms = event->made_unix_ms;
  reactor_.mailbox().send(runtime_.io_thread(), m);
}

bool SessionEvents::on_session_phase(const SessionPhaseUpdate& m) {
  if (m.server >= runtime_.servers.size()) return false;
  if (GameSession* s = sessions_.find(m.session); s && s->status == SessionStatus::kStarting) {
    // A fresh launch is queued from the start: a start sent back to the queue changed, and
    // so did one placed on another server (no room on the first, creating straight on the
    // next: the row must name the server recovery looks on).
    const bool changed =
        m.phase != s->phase || (m.phase != StartPhase::kQueued && m.server != s->server);
    s->phase = m.phase;
    s->server = m.server;
    if (m.phase == StartPhase::kQueued) s->queue_ticket = m.queue_ticket;
    // The timeline (docs/operator-api.md): the first time each phase was reached. Back to
    // queued, nothing of it was made on that server.
    const int64_t now = reactor_.clock().unix_ms;
    if (m.phase == StartPhase::kPulling && s->pulling_after_ms == 0) {
      s->pulling_after_ms = s->after_launch_ms(now);
    }
    if (m.phase == StartPhase::kCreating && s->creating_after_ms == 0) {
      s->creating_after_ms = s->after_launch_ms(now);
    }
    s->placed = m.phase != StartPhase::kQueued;
    // Recorded with its server before a container exists: after a crash, recovery finds
    // the container this start made (docs/docker-backend.md, "Engines, listings,
    // recovery"). Back to queued (its server was full after all: nothing of it was made
    // there), the row says so: recovery then looks for it everywhere and queues it again,
    // whatever server the row still names, rather than fail it as a start cut short there.
    if (durable() && changed &&
        (m.phase == StartPhase::kCreating || m.phase == StartPhase::kQueued)) {
      writes_->status(*s);
    }
  }
  return true;
}

bool SessionEvents::on_session_running(const SessionRunning& m) {
  if (m.server >= runtime_.servers.size()) return false;
  GameSession* s = sessions_.find(m.session);
  if (!s) return true;
  if (restored_stopping_.erase(m.session)) {
    // Adopted after a restart while it was stopping: stop it again.
    s->server = m.server;
    reactor_.mailbox().send(runtime_.io_thread(), StopSession{s->id});
    return true;
  }
  if (s->status == SessionStatus::kStarting) {
    sessions_.set_status(*s, SessionStatus::kRunning);
    s->running_ms = reactor_.clock().unix_ms;  // the billed time starts
    s->server = m.server;
    s->start_kind = m.start_kind;  // the operator's startKind (docs/warm-pools.md, "Visibility")
    // Read now: a catalog reload changes the limit of later sessions, not of this one.
    sessions_.set_time_limit(*s, session_limit_s(runtime_, s->game));
    s->placed = true;
    const std::optional<WebhookEvent> event = webhook_event(*s);
    if (durable()) {
      auto url = session_urls_.find(s->id);
      writes_->status(*s, url == session_urls_.end() ? nullptr : &url->second,
                      event ? &*event : nullptr, sessions_.player(s->player).partition);
    } else {
      send_webhook(event);
    }
  }
  return true;
}

void SessionEvents::on_session_failed(const SessionFailed& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    finish(*s, SessionStatus::kError, m.error, SessionFigures{NAN, NAN, 0});
  }
}

void SessionEvents::on_session_stopped(const SessionStopped& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    finish(*s, SessionStatus::kStopped, SessionError::kNone, m.figures);
  }
}

void SessionEvents::on_session_url(const SessionUrl& m) {
  if (GameSession* s = sessions_.find(m.session); s && s->active()) {
    session_urls_[m.session].assign(m.url);
  }
}

void SessionEvents::on_store_result(const StoreResult& m) {
  held_.on_store_result(m.seq, m.outcome);
}

void SessionEvents::on_store_availability(const StoreAvailability& m) {
  held_.set_store_available(m.available);
}

}  // namespace ringside

#pragma once
// What the I/O core reports to a shard about its sessions (their phase, running, failed,
// stopped, their own URL) and about the store, and the end of a session: its final status, its
// figures, and the stop requests waiting for it (answered at once in memory, once the end
// commits with a database).
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "api/durable_writes.h"
#include "api/held_answers.h"
#include "api/session_render.h"
#include "api/stop_waiters.h"
#include "core/reactor.h"
#include "model/ids.h"
#include "model/loaded_state.h"
#include "model/messages.h"
#include "model/metrics/player_metrics.h"
#include "model/runtime.h"
#include "model/webhook_event.h"
#include "store/session_store.h"

namespace ringside {

class SessionEvents {
 public:
  // `writes`: null with the memory store.
  SessionEvents(const Runtime& runtime, Reactor& reactor, SessionStore& sessions,
                DurableWrites* writes, HeldAnswers& held, StopWaiters& stop_waiters,
                PlayerMetrics& metrics);

  // A session read back from the database at start: its own URL, and whether its stop is to
  // be sent again.
  void restore(const LoadedSession& loaded);
  // A session dropped with its partition: what is kept here about it goes too.
  void forget(const Id128& session);
  const SessionUrls& session_urls() const { return session_urls_; }

 private:
  // Session and store updates from the I/O core (registered on the mailbox at construction).
  // These two refuse (false) a server index past the fleet: it is kept in the session and
  // later read as runtime.servers[s.server].
  bool on_session_phase(const SessionPhaseUpdate& m);
  bool on_session_running(const SessionRunning& m);
  void on_session_failed(const SessionFailed& m);
  void on_session_stopped(const SessionStopped& m);
  void on_session_url(const SessionUrl& m);
  void on_store_result(const StoreResult& m);
  void on_store_availability(const StoreAvailability& m);

  bool durable() const { return writes_ != nullptr; }
  void finish(GameSession& s, SessionStatus status, SessionError error,
              const SessionFigures& figures);
  // Webhooks configured: the event of `s` as it is now (running or ended), else nothing.
  std::optional<WebhookEvent> webhook_event(const GameSession& s) const;
  // Without a database: hands the event to the I/O core's sender.
  void send_webhook(const std::optional<WebhookEvent>& event);

  const Runtime& runtime_;
  Reactor& reactor_;
  SessionStore& sessions_;
  DurableWrites* writes_;
  HeldAnswers& held_;
  StopWaiters& stop_waiters_;
  PlayerMetrics& metrics_;  // sessions_ended, by end reason
  SessionUrls session_urls_;
  // Restored in `stopping`: the stop is sent again once the backend has adopted them.
  std::unordered_set<Id128, Id128Hasher> restored_stopping_;
};

}  // namespace ringside

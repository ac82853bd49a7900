// Each engine's event stream (GET /events, create/start/die/oom/destroy of containers with a
// ringside.session label), followed while the engine is up: what the listings would find
// every reconcile interval, seen as it happens. A container of a running session that dies
// without a stop -> the session lost; a labelled container no session owns -> an orphan (when
// this node judges its partition); every create and destroy -> the slot names and foreign use
// (docker_slots.cc). The listings stay as the safety net, and one runs each time the stream
// opens (whatever happened while it was closed is in it). The stream's end says nothing about
// the engine's health: the pings decide that, and an engine found down has its stream closed
// until it is back.
#include <algorithm>
#include <string>
#include <utility>

#include "backends/docker/docker_backend.h"
#include "core/log.h"

namespace ringside {
namespace {

// Reconnects after a stream ended: from this, doubling, up to the cap. Back to the first
// only once a stream proved itself: it delivered an event, or stayed open this long. An
// engine (or a proxy in front of it) that answers 200 and closes at once would otherwise get
// a reconnect and a whole container listing every 250 ms.
constexpr uint32_t kFirstBackoffMs = 250;
constexpr uint32_t kMaxBackoffMs = 8'000;
constexpr uint64_t kSteadyStreamMs = 30'000;
// An event is well under a kilobyte (its container's labels included); a "line" this long is
// not one, and the stream is dropped rather than buffered without end.
constexpr size_t kMaxEventLine = 1 << 20;

}  // namespace

void DockerBackend::follow_events(Engine& e) {
  if (e.events != 0 || !e.up) return;
  timers_.cancel(&e.events_timer);
  HttpClient::StreamCallbacks callbacks;
  callbacks.on_open = [this, &e] { on_events_open(e); };
  callbacks.on_data = [this, &e](std::string_view data) { on_events_data(e, data); };
  callbacks.on_end = [this, &e](HttpResponse&& r) {
    e.events = 0;
    on_events_end(e, std::move(r));
  };
  e.events = client_.stream(docker_api::session_container_events(e.endpoint), std::move(callbacks));
}

void DockerBackend::stop_following(Engine& e) {
  timers_.cancel(&e.events_timer);
  if (e.events != 0) client_.cancel(e.events);
  e.events = 0;
  e.event_line.clear();
  e.events_backoff_ms = 0;
  e.events_opened_ms = 0;
}

void DockerBackend::on_events_open(Engine& e) {
  e.events_opened_ms = reactor_.now_ms();
  log_info("docker_events_open").kv("server", servers_[e.index].name);
  // A listing asked for before the stream opened may miss what happened in between.
  if (e.listing != 0) {
    e.list_again = true;
  } else {
    list_containers(e);
  }
}

void DockerBackend::on_events_data(Engine& e, std::string_view data) {
  std::string buffer = std::move(e.event_line);
  buffer.append(data);
  size_t start = 0;
  for (size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string_view line(buffer.data() + start, end - start);
    if (std::optional<docker_api::ContainerEvent> event = docker_api::parse_container_event(line)) {
      e.events_backoff_ms = 0;
      on_container_event(e, *event);
    }
  }
  buffer.erase(0, start);
  if (buffer.size() > kMaxEventLine) {
    log_warn("docker_events_line_too_long").kv("server", servers_[e.index].name);
    stop_following(e);
    timers_.arm(&e.events_timer, reactor_.now_ms() + kMaxBackoffMs);
    return;
  }
  e.event_line = std::move(buffer);
}

void DockerBackend::on_events_end(Engine& e, HttpResponse&& r) {
  e.event_line.clear();
  const uint64_t opened = std::exchange(e.events_opened_ms, 0);
  if (opened != 0 && reactor_.now_ms() - opened >= kSteadyStreamMs) e.events_backoff_ms = 0;
  e.events_backoff_ms =
      e.events_backoff_ms == 0 ? kFirstBackoffMs : std::min(e.events_backoff_ms * 2, kMaxBackoffMs);
  log_warn("docker_events_ended")
      .kv("server", servers_[e.index].name)
      .kv("error", docker_api::describe_failure(r))
      .kv("retry_ms", e.events_backoff_ms);
  // An engine found down is followed again once it is back (engine_back).
  if (e.up) timers_.arm(&e.events_timer, reactor_.now_ms() + e.events_backoff_ms);
}

void DockerBackend::on_container_event(Engine& e, const docker_api::ContainerEvent& given) {
  using docker_api::ContainerAction;
  docker_api::ContainerEvent event = given;
  if (!event.labels.warm.empty()) {
    if (const auto taken = took_.find(event.id); taken != took_.end()) {
      event.labels.session = taken->second.session;  // a taken warm container is its session's
      event.labels.player = taken->second.player;
    } else if (const auto held = warm_by_container_.find(event.id);
               held != warm_by_container_.end() && (event.action == ContainerAction::kDie ||
                                                    event.action == ContainerAction::kDestroy)) {
      // A warm container that died or went behind ringside's back: gone, and replaced.
      if (Warm* w = find_warm(held->second)) {
        drop_warm(*w, event.action == ContainerAction::kDie ? "died" : "destroyed",
                  event.action == ContainerAction::kDie, false);
      }
    }
  }
  Session* s = nullptr;
  if (std::optional<ParsedId> id = parse_id(event.labels.session, IdKind::kSession)) {
    s = find(id->bits);
    // A container carrying a session's label is that session's only if it is the one it made.
    if (s != nullptr && s->container != event.id) s = nullptr;
  }
  switch (event.action) {
    case ContainerAction::kCreate:
    case ContainerAction::kStart:
      // Its name's slot is taken, and it counts as foreign unless a session here owns it.
      note_container(e, event.id, event.labels);
      note_orphan(e, event.id, event.labels);
      arm_orphan_timer();
      return;
    case ContainerAction::kOom:
      // Logged only: the kernel killed a process of the container, maybe not the game; if it
      // was the game, a `die` follows.
      if (s != nullptr) {
        log_warn("docker_container_oom")
            .kv("session", s->id_text)
            .kv("server", servers_[e.index].name);
      }
      return;
    case ContainerAction::kDie:
      // Only a running session's: a stop's own `die` comes in a stop step; a start's is seen by
      // its inspect, or by the empty CPU baseline read after `running` (docker_backend.cc).
      if (s == nullptr || s->step != Step::kRunning) return;
      // Adopted stopping: the stop asked for before this node had it ended the game.
      if (s->was_stopping) return end_asked_stop(*s, /*container_left=*/true);
      log_warn("docker_container_lost")
          .kv("session", s->id_text)
          .kv("server", servers_[e.index].name)
          .kv("exit_code", event.exit_code);
      remove_and_end(*s, End::kLost, SessionError::kContainerLost);
      return;
    case ContainerAction::kDestroy:
      // Gone already: nothing left to remove, and its name is free.
      container_gone(e, event.id, event.labels.slot);
      if (orphans_.erase(event.id) != 0) arm_orphan_timer();
      return;
  }
}

void DockerBackend::on_events_timer(TimerNode* node) {
  Engine& e = *static_cast<EngineTimer*>(node)->engine;
  e.backend->follow_events(e);
}

}  // namespace ringside

#include "backend/support/recording_events.h"

#include <cstdio>
#include <utility>

namespace ringside {

std::string_view kind_name(RecordedEvent::Kind kind) {
  switch (kind) {
    case RecordedEvent::kPhase:
      return "phase";
    case RecordedEvent::kRelocated:
      return "relocated";
    case RecordedEvent::kRunning:
      return "running";
    case RecordedEvent::kStartFailed:
      return "start_failed";
    case RecordedEvent::kStopped:
      return "stopped";
    case RecordedEvent::kLost:
      return "lost";
    case RecordedEvent::kHealth:
      return "health";
    case RecordedEvent::kRefusing:
      return "refusing";
  }
  return "?";
}

void RecordingEvents::on_phase(const Id128& session, StartPhase phase) {
  RecordedEvent e{RecordedEvent::kPhase, session};
  e.phase = phase;
  events.push_back(e);
}

void RecordingEvents::on_relocated(const Id128& session, uint32_t server) {
  RecordedEvent e{RecordedEvent::kRelocated, session};
  e.server = server;
  events.push_back(e);
}

void RecordingEvents::on_running(const Id128& session) {
  events.push_back({RecordedEvent::kRunning, session});
}

void RecordingEvents::on_start_failed(const Id128& session, SessionError error) {
  RecordedEvent e{RecordedEvent::kStartFailed, session};
  e.error = error;
  events.push_back(e);
}

void RecordingEvents::on_stopped(const Id128& session, const SessionFigures& figures) {
  RecordedEvent e{RecordedEvent::kStopped, session};
  e.figures = figures;
  events.push_back(e);
}

void RecordingEvents::on_lost(const Id128& session, SessionError error) {
  RecordedEvent e{RecordedEvent::kLost, session};
  e.error = error;
  events.push_back(e);
}

void RecordingEvents::on_server_health(uint32_t server, bool up) {
  RecordedEvent e{RecordedEvent::kHealth, {}};
  e.server = server;
  e.up = up;
  events.push_back(e);
}

void RecordingEvents::on_server_refusing(uint32_t server, bool refusing) {
  RecordedEvent e{RecordedEvent::kRefusing, {}};
  e.server = server;
  e.up = !refusing;
  events.push_back(e);
}

size_t RecordingEvents::count(RecordedEvent::Kind kind, const Id128& session) const {
  size_t n = 0;
  for (const RecordedEvent& e : events) n += e.kind == kind && e.session == session;
  return n;
}

bool RecordingEvents::has_phase(const Id128& session, StartPhase phase) const {
  for (const RecordedEvent& e : events) {
    if (e.kind == RecordedEvent::kPhase && e.session == session && e.phase == phase) return true;
  }
  return false;
}

namespace {

const RecordedEvent* first_of(const std::vector<RecordedEvent>& events, RecordedEvent::Kind kind,
                              const Id128& session) {
  for (const RecordedEvent& e : events) {
    if (e.kind == kind && e.session == session) return &e;
  }
  return nullptr;
}

}  // namespace

std::optional<SessionError> RecordingEvents::start_failed(const Id128& session) const {
  const RecordedEvent* e = first_of(events, RecordedEvent::kStartFailed, session);
  return e ? std::optional(e->error) : std::nullopt;
}

std::optional<SessionError> RecordingEvents::lost(const Id128& session) const {
  const RecordedEvent* e = first_of(events, RecordedEvent::kLost, session);
  return e ? std::optional(e->error) : std::nullopt;
}

std::optional<SessionFigures> RecordingEvents::stopped(const Id128& session) const {
  const RecordedEvent* e = first_of(events, RecordedEvent::kStopped, session);
  return e ? std::optional(e->figures) : std::nullopt;
}

bool RecordingEvents::settled(const Id128& session) const {
  for (const RecordedEvent& e : events) {
    if (e.session == session && e.kind != RecordedEvent::kPhase &&
        e.kind != RecordedEvent::kRelocated && e.kind != RecordedEvent::kHealth &&
        e.kind != RecordedEvent::kRefusing) {
      return true;
    }
  }
  return false;
}

std::vector<uint32_t> RecordingEvents::relocations(const Id128& session) const {
  std::vector<uint32_t> servers;
  for (const RecordedEvent& e : events) {
    if (e.kind == RecordedEvent::kRelocated && e.session == session) servers.push_back(e.server);
  }
  return servers;
}

std::optional<bool> RecordingEvents::server_up(uint32_t server) const {
  std::optional<bool> up;
  for (const RecordedEvent& e : events) {
    if (e.kind == RecordedEvent::kHealth && e.server == server) up = e.up;
  }
  return up;
}

std::optional<bool> RecordingEvents::server_refusing(uint32_t server) const {
  std::optional<bool> refusing;
  for (const RecordedEvent& e : events) {
    if (e.kind == RecordedEvent::kRefusing && e.server == server) refusing = !e.up;
  }
  return refusing;
}

std::vector<RecordedEvent> RecordingEvents::of(const Id128& session) const {
  std::vector<RecordedEvent> out;
  for (const RecordedEvent& e : events) {
    const bool of_a_server = e.kind == RecordedEvent::kHealth || e.kind == RecordedEvent::kRefusing;
    if (!of_a_server && e.session == session) out.push_back(e);
  }
  return out;
}

std::string RecordingEvents::describe() const {
  std::string out;
  char line[192];
  for (const RecordedEvent& e : events) {
    switch (e.kind) {
      case RecordedEvent::kHealth:
        std::snprintf(line, sizeof line, "health server=%u up=%d\n", e.server, e.up);
        break;
      case RecordedEvent::kRefusing:
        std::snprintf(line, sizeof line, "refusing server=%u refusing=%d\n", e.server, !e.up);
        break;
      case RecordedEvent::kPhase:
        std::snprintf(line, sizeof line, "phase session=%016llx%016llx phase=%.*s\n",
                      static_cast<unsigned long long>(e.session.hi),
                      static_cast<unsigned long long>(e.session.lo),
                      static_cast<int>(phase_name(e.phase).size()), phase_name(e.phase).data());
        break;
      case RecordedEvent::kRelocated:
        std::snprintf(line, sizeof line, "relocated session=%016llx%016llx server=%u\n",
                      static_cast<unsigned long long>(e.session.hi),
                      static_cast<unsigned long long>(e.session.lo), e.server);
        break;
      case RecordedEvent::kStopped:
        std::snprintf(line, sizeof line,
                      "stopped session=%016llx%016llx cpu_s=%g peak_mb=%g save_bytes=%llu\n",
                      static_cast<unsigned long long>(e.session.hi),
                      static_cast<unsigned long long>(e.session.lo), e.figures.cpu_seconds,
                      e.figures.peak_memory_mb,
                      static_cast<unsigned long long>(e.figures.save_bytes));
        break;
      default:
        std::snprintf(line, sizeof line, "%.*s session=%016llx%016llx error=%.*s\n",
                      static_cast<int>(kind_name(e.kind).size()), kind_name(e.kind).data(),
                      static_cast<unsigned long long>(e.session.hi),
                      static_cast<unsigned long long>(e.session.lo),
                      static_cast<int>(error_code(e.error).size()), error_code(e.error).data());
        break;
    }
    out += line;
  }
  return out;
}

std::vector<RecordedEvent> RecordingEvents::take() { return std::exchange(events, {}); }

}  // namespace ringside

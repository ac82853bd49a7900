#include "tools/gameye-standin/sessions.h"

#include <utility>

namespace ringside::gameye_standin {

std::string_view gameye_status(SessionState state) {
  switch (state) {
    case SessionState::kStarting:
      return "created";
    case SessionState::kRunning:
      return "running";
    case SessionState::kStopped:
      return "exited";
    case SessionState::kFailed:
    case SessionState::kVanished:  // never shown
      return "dead";
    case SessionState::kUnreachable:
      return "server_unreachable";
  }
  return "dead";
}

Session* SessionTable::find(std::string_view id) {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

Session& SessionTable::add(SessionRequest&& request, int64_t created_ms) {
  Session& s = sessions_.emplace_back();
  s.id = std::move(request.id);
  s.image = std::move(request.image);
  s.tag = request.version.empty() ? "latest" : std::move(request.version);
  s.location = std::move(request.location);
  s.env = std::move(request.env);
  s.labels = std::move(request.labels);
  s.host_port = static_cast<uint16_t>(kFirstHostPort + (sessions_.size() - 1) % kHostPortCount);
  s.created_ms = created_ms;
  by_id_.emplace(s.id, &s);
  return s;
}

SessionCounts SessionTable::counts() const {
  SessionCounts c;
  for (const Session& s : sessions_) {
    switch (s.state) {
      case SessionState::kStarting:
        ++c.starting;
        break;
      case SessionState::kRunning:
        ++c.running;
        break;
      case SessionState::kStopped:
        ++c.stopped;
        break;
      case SessionState::kFailed:
        ++c.failed;
        break;
      case SessionState::kUnreachable:
        ++c.unreachable;
        break;
      case SessionState::kVanished:
        ++c.vanished;
        break;
    }
  }
  return c;
}

}  // namespace ringside::gameye_standin

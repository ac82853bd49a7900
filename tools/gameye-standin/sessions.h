#pragma once
// The stand-in's sessions, in the order they were launched. An id, once accepted, stays
// taken for the life of the process (stopped and failed sessions keep their record), so a
// second launch with it is a 409 whatever became of the first.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tools/gameye-standin/session_request.h"

namespace ringside::gameye_standin {

// kUnreachable and kVanished happen only on request (POST /_standin/session/{id}/{outcome}):
// a running session's machine became unreachable, or Gameye lost every trace of it.
enum class SessionState : uint8_t {
  kStarting,
  kRunning,
  kStopped,
  kFailed,
  kUnreachable,
  kVanished,
};

// The container status Gameye reports for a state (its SessionStatus enum).
std::string_view gameye_status(SessionState state);

struct Session {
  std::string id;
  std::string image;
  std::string tag;  // the requested version, or "latest"
  std::string location;
  Labels env;
  Labels labels;
  uint16_t host_port = 0;
  int64_t created_ms = 0;  // Unix time in milliseconds
  SessionState state = SessionState::kStarting;
  // May still run: DELETE stops it.
  bool live() const {
    return state == SessionState::kStarting || state == SessionState::kRunning ||
           state == SessionState::kUnreachable;
  }
};

struct SessionCounts {
  uint64_t starting = 0;
  uint64_t running = 0;
  uint64_t stopped = 0;
  uint64_t failed = 0;
  uint64_t unreachable = 0;
  uint64_t vanished = 0;
};

class SessionTable {
 public:
  // Game traffic goes to host ports 20000-30000, the range Gameye's docs name.
  static constexpr uint16_t kFirstHostPort = 20000;
  static constexpr uint16_t kHostPortCount = 10001;

  Session* find(std::string_view id);
  // Adds a session in kStarting. The id must not be taken (find() first). The reference stays
  // valid for the table's life.
  Session& add(SessionRequest&& request, int64_t created_ms);
  const std::deque<Session>& all() const { return sessions_; }
  SessionCounts counts() const;

 private:
  std::deque<Session> sessions_;                          // a deque: adding never moves the others
  std::unordered_map<std::string_view, Session*> by_id_;  // keys view into sessions_
};

}  // namespace ringside::gameye_standin

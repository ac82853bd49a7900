#pragma once
// Words the shards, the I/O core and every backend share about a game session.
#include <cstdint>
#include <string_view>

namespace ringside {

enum class SessionStatus : uint8_t { kStarting, kRunning, kStopping, kStopped, kError };
// Sub-state of kStarting, shown as "phase" while a browser polls.
enum class StartPhase : uint8_t { kQueued, kPulling, kCreating };

// Why a session ended in `error` (codes are part of the API: session-status `error.code`).
enum class SessionError : uint8_t {
  kNone,
  kNoServers,           // no game server could take it (capacity, queue timeout)
  kPullFailed,          // the image could not be pulled
  kStartFailed,         // the container or hosted session failed to start
  kServerLost,          // its game server went away
  kContainerLost,       // its container vanished
  kImageNotFound,       // the backend does not know the image or location
  kBackendUnavailable,  // the backend refused us (misconfigured, unauthorised)
};

// How a session ended (history `endReason`).
enum class EndReason : uint8_t { kNone, kStopped, kIdleTimeout, kError };

std::string_view status_name(SessionStatus s);
std::string_view phase_name(StartPhase p);
std::string_view error_code(SessionError e);
std::string_view error_message(SessionError e);
std::string_view end_reason_name(EndReason r);

// What a stop measured. NaN means the backend could not tell (never a made-up zero).
struct SessionFigures {
  double cpu_seconds = 0;
  double peak_memory_mb = 0;
  uint64_t save_bytes = 0;  // size of the save data persisted to the slot
};

}  // namespace ringside

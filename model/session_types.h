#pragma once
// Words the shards, the I/O core and every backend share about a game session.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringside {

enum class SessionStatus : uint8_t { kStarting, kRunning, kStopping, kStopped, kError };
// How many statuses there are: the size of every per-status table (counts, metrics).
inline constexpr size_t kSessionStatusCount = 5;
static_assert(static_cast<size_t>(SessionStatus::kError) + 1 == kSessionStatusCount,
              "kSessionStatusCount follows the last SessionStatus");

// Sub-state of kStarting, shown as "phase" while a browser polls.
enum class StartPhase : uint8_t { kQueued, kPulling, kCreating };
inline constexpr StartPhase kLastStartPhase = StartPhase::kCreating;  // for range checks

// How a session's start got its container (docs/warm-pools.md): a warm one taken from the pool,
// one created on a server that had the image, or one created after pulling it. kUnknown: not
// told (adopted after a restart, or a backend without containers).
enum class StartKind : uint8_t { kUnknown, kWarm, kCached, kPulled };
inline constexpr StartKind kLastStartKind = StartKind::kPulled;  // for range checks

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
inline constexpr SessionError kLastSessionError = SessionError::kBackendUnavailable;

// Why a stop could not keep the session's save data. The session still ends `stopped` with
// its figures; its slot keeps the save it had before (nothing half-written replaces it).
enum class SaveError : uint8_t {
  kNone,
  kTooLarge,  // over the save size limit (64 MiB)
  kRejected,  // not a plain tar of files and directories inside the save directory
  kFailed,    // not copied out of the container, or not written to disk
};
inline constexpr size_t kSaveErrorCount = 4;

// How a session ended (history `endReason`). kStopped: the player stopped it; kMaxDuration: it
// ran as long as its game (or --max-session-seconds) allows; kOperatorStop: an operator stopped
// it (POST /operator/sessions/{id}/stop); kServerDrained: its server was drained.
enum class EndReason : uint8_t {
  kNone,
  kStopped,
  kIdleTimeout,
  kError,
  kMaxDuration,
  kOperatorStop,
  kServerDrained,
};
inline constexpr EndReason kLastEndReason = EndReason::kServerDrained;

std::string_view status_name(SessionStatus s);
std::string_view phase_name(StartPhase p);
std::string_view error_code(SessionError e);
std::string_view error_message(SessionError e);
std::string_view end_reason_name(EndReason r);
std::string_view save_error_code(SaveError e);
std::string_view save_error_message(SaveError e);
// "warm", "cached" or "pulled" (the operator's `startKind`, the `kind` label of
// ringside_launch_starts_total); empty for kUnknown.
std::string_view start_kind_name(StartKind k);

// What a stop measured. NaN means the backend could not tell (never a made-up zero).
struct SessionFigures {
  double cpu_seconds = 0;  // used while running
  double peak_memory_mb = 0;
  uint64_t save_bytes = 0;                  // size of the save data persisted to the slot
  SaveError save_error = SaveError::kNone;  // the save data was not persisted, and why
  // The running time cpu_seconds covers, when the backend measured it at another moment than
  // the stop request (Docker: at the engine's next stats tick). 0: running to the stop request.
  uint32_t cpu_window_ms = 0;
};

}  // namespace ringside

#include "model/session_types.h"

namespace ringside {

std::string_view status_name(SessionStatus s) {
  switch (s) {
    case SessionStatus::kStarting:
      return "starting";
    case SessionStatus::kRunning:
      return "running";
    case SessionStatus::kStopping:
      return "stopping";
    case SessionStatus::kStopped:
      return "stopped";
    case SessionStatus::kError:
      return "error";
  }
  return "error";
}

std::string_view phase_name(StartPhase p) {
  switch (p) {
    case StartPhase::kQueued:
      return "queued";
    case StartPhase::kPulling:
      return "pulling";
    case StartPhase::kCreating:
      return "creating";
  }
  return "queued";
}

std::string_view start_kind_name(StartKind k) {
  switch (k) {
    case StartKind::kUnknown:
      return {};
    case StartKind::kWarm:
      return "warm";
    case StartKind::kCached:
      return "cached";
    case StartKind::kPulled:
      return "pulled";
  }
  return {};
}

std::string_view error_code(SessionError e) {
  switch (e) {
    case SessionError::kNone:
      return "";
    case SessionError::kNoServers:
      return "no_servers";
    case SessionError::kPullFailed:
      return "pull_failed";
    case SessionError::kStartFailed:
      return "start_failed";
    case SessionError::kServerLost:
      return "server_lost";
    case SessionError::kContainerLost:
      return "container_lost";
    case SessionError::kImageNotFound:
      return "image_not_found";
    case SessionError::kBackendUnavailable:
      return "backend_unavailable";
  }
  return "";
}

std::string_view error_message(SessionError e) {
  switch (e) {
    case SessionError::kNone:
      return "";
    case SessionError::kNoServers:
      return "No game server can take the session now.";
    case SessionError::kPullFailed:
      return "The game could not be downloaded to its server.";
    case SessionError::kStartFailed:
      return "The game failed to start.";
    case SessionError::kServerLost:
      return "The game server running the session went away.";
    case SessionError::kContainerLost:
      return "The session's container disappeared.";
    case SessionError::kImageNotFound:
      return "The game's image or location is unknown.";
    case SessionError::kBackendUnavailable:
      return "The game backend refused the request.";
  }
  return "";
}

std::string_view end_reason_name(EndReason r) {
  switch (r) {
    case EndReason::kNone:
      return "";
    case EndReason::kStopped:
      return "stopped";
    case EndReason::kIdleTimeout:
      return "idle_timeout";
    case EndReason::kError:
      return "error";
    case EndReason::kMaxDuration:
      return "max_duration";
    case EndReason::kOperatorStop:
      return "operator_stop";
    case EndReason::kServerDrained:
      return "server_drained";
  }
  return "";
}

std::string_view save_error_code(SaveError e) {
  switch (e) {
    case SaveError::kNone:
      return "";
    case SaveError::kTooLarge:
      return "save_too_large";
    case SaveError::kRejected:
      return "save_rejected";
    case SaveError::kFailed:
      return "save_failed";
  }
  return "";
}

std::string_view save_error_message(SaveError e) {
  switch (e) {
    case SaveError::kNone:
      return "";
    case SaveError::kTooLarge:
      return "The save data is over 64 MiB and was not kept; the slot has its previous save.";
    case SaveError::kRejected:
      return "The save data held links or paths outside the save directory and was not kept; "
             "the slot has its previous save.";
    case SaveError::kFailed:
      return "The save data could not be copied out and stored; the slot has its previous save.";
  }
  return "";
}

}  // namespace ringside

#pragma once
// A session's time limit (SPEC "Time limits and the queue"): the game's maxSessionSeconds, else
// --max-session-seconds; 0 means none.
#include <cstdint>

#include "model/runtime.h"

namespace ringside {

inline uint32_t session_limit_s(const Runtime& runtime, uint16_t game) {
  const uint32_t own = runtime.catalog.games()[game].max_session_seconds;
  return own != 0 ? own : runtime.config.max_session_seconds;
}

}  // namespace ringside

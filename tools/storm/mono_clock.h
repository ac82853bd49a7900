#pragma once
// The one clock storm measures with: CLOCK_MONOTONIC in nanoseconds (a vDSO call, no syscall).
#include <time.h>

#include <cmath>
#include <cstdint>

namespace ringside::storm {

inline uint64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

inline constexpr uint64_t kNanosPerSecond = 1'000'000'000;

inline uint64_t seconds_to_ns(double seconds) {
  return seconds <= 0 ? 0 : static_cast<uint64_t>(std::llround(seconds * 1e9));
}

}  // namespace ringside::storm

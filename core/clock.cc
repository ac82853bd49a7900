#include "core/clock.h"

#include <ctime>

namespace ringside {

Clock read_clock() {
  timespec mono{}, wall{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &wall);
  Clock c;
  c.mono_us =
      static_cast<uint64_t>(mono.tv_sec) * 1000000u + static_cast<uint64_t>(mono.tv_nsec) / 1000u;
  c.mono_ms = c.mono_us / 1000;
  c.unix_ms = static_cast<int64_t>(wall.tv_sec) * 1000 + wall.tv_nsec / 1000000;
  c.unix_s = wall.tv_sec;
  return c;
}

uint64_t coarse_mono_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000u + static_cast<uint64_t>(t.tv_nsec) / 1000000u;
}

}  // namespace ringside

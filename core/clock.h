#pragma once
// A thread's view of time, refreshed once per loop iteration: the monotonic clock drives
// timers, the wall clock is what the API shows (RFC 3339) and what is stored.
#include <cstdint>

namespace ringside {

struct Clock {
  uint64_t mono_us = 0;
  uint64_t mono_ms = 0;
  int64_t unix_ms = 0;
  int64_t unix_s = 0;

  // The monotonic time at which the wall clock will read `unix_deadline_ms`.
  uint64_t mono_at(int64_t unix_deadline_ms) const {
    int64_t delta = unix_deadline_ms - unix_ms;
    return delta <= 0 ? mono_ms : mono_ms + static_cast<uint64_t>(delta);
  }
};

Clock read_clock();

// CLOCK_MONOTONIC_COARSE in ms: Clock::mono_ms's clock as of the last kernel tick, read from
// the vDSO without a syscall, so cheap enough for a check per request. It lags the precise
// clock by up to one tick (1-10 ms), never leads it.
uint64_t coarse_mono_ms();

}  // namespace ringside

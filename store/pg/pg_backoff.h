#pragma once
// Reconnect delays: exponential from `initial_ms` up to `max_ms`, each drawn uniformly from
// the upper half of its step ("equal jitter"), so many nodes that lost the database at the
// same moment do not come back in lockstep, yet none retries much sooner than its step.
#include <algorithm>
#include <cstdint>
#include <random>

namespace ringside {

class PgBackoff {
 public:
  PgBackoff(uint64_t initial_ms, uint64_t max_ms, uint64_t seed)
      : initial_ms_(std::max<uint64_t>(initial_ms, 1)),
        max_ms_(std::max(max_ms, initial_ms_)),
        rng_(seed) {}

  // The delay before the next attempt; each call doubles the step until max_ms.
  uint64_t next() {
    uint64_t step = initial_ms_;
    for (uint32_t i = 0; i < failures_ && step < max_ms_; ++i) step *= 2;
    step = std::min(step, max_ms_);
    ++failures_;
    std::uniform_int_distribution<uint64_t> jitter(step / 2, step);
    return jitter(rng_);
  }
  void reset() { failures_ = 0; }
  uint32_t failures() const { return failures_; }

 private:
  uint64_t initial_ms_;
  uint64_t max_ms_;
  uint32_t failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ringside

#pragma once
// What a game costs to run, learnt from its past sessions: an exponential moving average of
// the CPU cores it used on average and the peak memory it reached. The scheduler reserves
// this much on a game server for each new session of the game. Kept on the I/O thread.
#include <cstdint>

namespace ringside {

struct ResourceProfile {
  double cpu_cores = 0;  // average cores in use over a session (cpu seconds / duration)
  double memory_mb = 0;  // peak resident memory
  // Sessions that contributed each figure. Counted apart because a session may report one
  // figure and not the other, and each figure's first sample replaces the configured default.
  uint32_t cpu_samples = 0;
  uint32_t memory_samples = 0;
};

constexpr double kDefaultProfileAlpha = 0.2;

// Folds one ended session into the profile: each figure moves by alpha (0 < alpha <= 1)
// towards the session's value, or takes it outright when it is the figure's first sample.
// A figure that is unknown — NaN (a backend that cannot measure it), infinite or negative —
// leaves that figure unchanged; so does a cpu_seconds over a duration of zero (or unknown).
void update(ResourceProfile& profile, double cpu_seconds, double duration_seconds,
            double peak_memory_mb, double alpha = kDefaultProfileAlpha);

}  // namespace ringside

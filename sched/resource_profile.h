#pragma once
// What a game costs to run, learnt from its past sessions: an exponential moving average of
// the CPU cores it used on average and the peak memory it reached. The scheduler reserves
// this much on a game server for each new session of the game. Kept on the I/O thread.
//
// A profile learns only from samples that mean something, and never beyond what a server can
// hold: one quick stop (start-up CPU over a few milliseconds of running) must not make a game
// look bigger than every server and so unplaceable. docs/docker-backend.md has the rules.
#include <cstdint>
#include <limits>

namespace ringside {

struct ResourceProfile {
  double cpu_cores = 0;  // average cores in use while running (cpu seconds / running time)
  double memory_mb = 0;  // peak resident memory
  // Sessions that contributed each figure. Counted apart because a session may report one
  // figure and not the other, and each figure's first sample replaces the configured default.
  uint32_t cpu_samples = 0;
  uint32_t memory_samples = 0;
};

// What one ended session tells: the CPU it used while running, over which running time, and
// its peak memory. NaN (or infinite, or negative) is unknown.
struct ProfileSample {
  double cpu_seconds = 0;      // used between `running` and the stop
  double running_seconds = 0;  // from `running` to the stop: the window cpu_seconds covers
  double peak_memory_mb = 0;
};

// The most a learnt figure may be: what the largest server can hold. Infinite: no bound.
struct ProfileBound {
  double cpu_cores = std::numeric_limits<double>::infinity();
  double memory_mb = std::numeric_limits<double>::infinity();
};

constexpr double kDefaultProfileAlpha = 0.2;
// A session that ran less than this teaches nothing: its CPU average is mostly start-up and
// the engine's sampling, its peak memory that of a game that barely started.
constexpr double kMinSampleSeconds = 20;
// A sample moves the average by alpha x min(1, running / this): a session of ten minutes or
// more counts fully, a shorter one in proportion.
constexpr double kFullWeightSeconds = 600;

// Folds one ended session into the profile, then bounds its learnt figures. A figure's first
// sample replaces the configured default; later ones move it by the weight above. An unknown
// figure leaves that figure unchanged; a running time under kMinSampleSeconds (or unknown)
// leaves both. Returns whether a figure learnt from the sample.
bool update(ResourceProfile& profile, const ProfileSample& sample, const ProfileBound& bound,
            double alpha = kDefaultProfileAlpha);

// Cuts each learnt figure (one with samples) to the bound; configured defaults are left alone.
// Returns whether a figure changed.
bool bound(ResourceProfile& profile, const ProfileBound& bound);

}  // namespace ringside

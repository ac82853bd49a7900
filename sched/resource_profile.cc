#include "sched/resource_profile.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ringside {
namespace {

bool known(double figure) { return std::isfinite(figure) && figure >= 0; }

void fold(double& average, uint32_t& samples, double sample, double weight) {
  average = samples == 0 ? sample : average + weight * (sample - average);
  if (samples < std::numeric_limits<uint32_t>::max()) ++samples;  // never back to "first"
}

bool cut(double& figure, uint32_t samples, double most) {
  if (samples == 0 || !(figure > most)) return false;
  figure = most;
  return true;
}

}  // namespace

bool update(ResourceProfile& profile, const ProfileSample& sample, const ProfileBound& most,
            double alpha) {
  const double running = sample.running_seconds;
  if (!known(running) || running < kMinSampleSeconds) return false;
  const double weight = alpha * std::min(1.0, running / kFullWeightSeconds);
  bool learnt = false;
  if (known(sample.cpu_seconds)) {
    fold(profile.cpu_cores, profile.cpu_samples, sample.cpu_seconds / running, weight);
    learnt = true;
  }
  if (known(sample.peak_memory_mb)) {
    fold(profile.memory_mb, profile.memory_samples, sample.peak_memory_mb, weight);
    learnt = true;
  }
  bound(profile, most);
  return learnt;
}

bool bound(ResourceProfile& profile, const ProfileBound& most) {
  const bool cpu = cut(profile.cpu_cores, profile.cpu_samples, most.cpu_cores);
  const bool memory = cut(profile.memory_mb, profile.memory_samples, most.memory_mb);
  return cpu || memory;
}

}  // namespace ringside

#include "sched/resource_profile.h"

#include <cmath>
#include <limits>

namespace ringside {
namespace {

bool known(double figure) { return std::isfinite(figure) && figure >= 0; }

void fold(double& average, uint32_t& samples, double sample, double alpha) {
  average = samples == 0 ? sample : average + alpha * (sample - average);
  if (samples < std::numeric_limits<uint32_t>::max()) ++samples;  // never back to "first"
}

}  // namespace

void update(ResourceProfile& profile, double cpu_seconds, double duration_seconds,
            double peak_memory_mb, double alpha) {
  if (known(cpu_seconds) && known(duration_seconds) && duration_seconds > 0) {
    fold(profile.cpu_cores, profile.cpu_samples, cpu_seconds / duration_seconds, alpha);
  }
  if (known(peak_memory_mb)) {
    fold(profile.memory_mb, profile.memory_samples, peak_memory_mb, alpha);
  }
}

}  // namespace ringside

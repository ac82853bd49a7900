#pragma once
// Pins threads inside the CPU set the process was started with (taskset, cgroups), so that
// shard i runs on the i-th allowed CPU and a benchmark's pinning is respected.
#include <cstdint>
#include <vector>

namespace ringside {

std::vector<int> allowed_cpus();
// Pins the calling thread to cpus[index % cpus.size()]; returns the CPU or -1.
int pin_current_thread(const std::vector<int>& cpus, uint32_t index);

}  // namespace ringside

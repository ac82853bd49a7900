#pragma once
// Where and how ringside's threads run: shard i is pinned to the i-th CPU of the set the process
// was started with (taskset, cgroups), so that a benchmark's pinning is respected; the I/O core
// is not pinned; every thread is named for top, perf and /proc.
#include <cstdint>
#include <vector>

namespace ringside {

std::vector<int> allowed_cpus();
// Pins the calling thread to cpus[index % cpus.size()]; returns the CPU or -1.
int pin_current_thread(const std::vector<int>& cpus, uint32_t index);

// Names the calling thread; names are cut to the kernel's 15 characters.
void name_current_thread(const char* name);

}  // namespace ringside

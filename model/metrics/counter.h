#pragma once
// A metric written by one thread and read by any: relaxed load+store (one writer, no
// read-modify-write needed); /metrics reads with relaxed loads and never waits on the writer.
#include <atomic>
#include <cstdint>

namespace ringside {

struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n = 1) {
    v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t n) { v.store(n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

}  // namespace ringside

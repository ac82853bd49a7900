// The cross-thread mailbox ring: the cost of one message without contention, and the
// throughput between two threads (the shard -> I/O thread -> shard path of every launch).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"

namespace ringside {
namespace {

constexpr size_t kRingBytes = size_t{64} * 1024;  // what a mailbox ring is sized at

void BM_SpscRingPushPop64(benchmark::State& state) {
  SpscRing ring(kRingBytes);
  char message[64] = {};
  for (auto _ : state) {
    void* p = ring.try_reserve(sizeof message);
    std::memcpy(p, message, sizeof message);
    ring.commit();
    SpscRing::Message m;
    ring.peek(m);
    benchmark::DoNotOptimize(m);
    ring.pop();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpscRingPushPop64);

// Spins, and every 64 failed tries lets another thread run: on a 2-core box the other side may
// be waiting for this core.
void back_off(unsigned& failures) {
  if (++failures % 64 == 0) std::this_thread::yield();
}

// The benchmark thread produces messages of range(0) bytes, another thread consumes and reads
// them; an empty message tells the consumer to stop.
void BM_SpscRingTwoThreads(benchmark::State& state) {
  const auto len = static_cast<uint32_t>(state.range(0));
  SpscRing ring(kRingBytes);
  uint64_t sum = 0;
  std::thread consumer([&ring, &sum] {
    SpscRing::Message m;
    unsigned failures = 0;
    for (;;) {
      if (!ring.peek(m)) {
        back_off(failures);
        continue;
      }
      if (m.len == 0) break;
      sum += *static_cast<const unsigned char*>(m.data);
      ring.pop();
    }
  });

  const std::vector<unsigned char> message(len, 1);
  unsigned failures = 0;
  for (auto _ : state) {
    void* p;
    while ((p = ring.try_reserve(len)) == nullptr) back_off(failures);
    std::memcpy(p, message.data(), len);
    ring.commit();
  }
  while (ring.try_reserve(0) == nullptr) back_off(failures);
  ring.commit();
  consumer.join();
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * len));
}
BENCHMARK(BM_SpscRingTwoThreads)->Arg(16)->Arg(64)->Arg(512)->UseRealTime();

}  // namespace
}  // namespace ringside

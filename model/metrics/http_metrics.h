#pragma once
// Per-shard HTTP counters. Each shard writes only its own (relaxed load+store: one writer, no
// read-modify-write needed); /metrics reads every shard's with relaxed loads. Monitoring reads
// are the one place a thread looks at another's memory, and they never wait on it.
#include <array>
#include <atomic>
#include <cstdint>

#include "model/metrics/counter.h"

namespace ringside {

inline constexpr size_t kMaxRoutes = 32;  // route index kMaxRoutes-1 is "no route matched"
// 304: the play page's revalidations (docs/play-page.md).
inline constexpr std::array<uint16_t, 17> kCountedStatuses = {
    200, 202, 400, 401, 403, 404, 405, 408, 409, 413, 414, 429, 431, 500, 503, 304, 0};
// Upper bounds (µs) of the latency histogram buckets; the last is +Inf.
inline constexpr std::array<uint32_t, 14> kLatencyBucketsUs = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 0};

inline size_t status_slot(uint16_t status) {
  for (size_t i = 0; i + 1 < kCountedStatuses.size(); ++i) {
    if (kCountedStatuses[i] == status) return i;
  }
  return kCountedStatuses.size() - 1;  // "other"
}

// One route's latency histogram: 16 counters, two cache lines, which one answer touches.
struct alignas(64) LatencyHistogram {
  Counter buckets[kLatencyBucketsUs.size()];
  Counter sum_us;
  Counter count;

  void record(uint64_t latency_us) {
    size_t b = 0;
    while (b + 1 < kLatencyBucketsUs.size() && latency_us > kLatencyBucketsUs[b]) ++b;
    buckets[b].add();
    sum_us.add(latency_us);
    count.add();
  }
};

struct alignas(64) HttpMetrics {
  Counter requests[kMaxRoutes][kCountedStatuses.size()];
  LatencyHistogram latency[kMaxRoutes];  // by route, as requests
  Counter open_connections;
  Counter accepted_connections;
  Counter bad_requests;
  Counter buffered_bytes;  // capacity of the connections' buffers (docs/http.md)
  Counter buffer_cuts;     // connections closed to bring buffered_bytes under the budget

  void record(uint16_t route, uint16_t status, uint64_t latency_us) {
    size_t r = route < kMaxRoutes ? route : kMaxRoutes - 1;
    requests[r][status_slot(status)].add();
    latency[r].record(latency_us);
  }
};

}  // namespace ringside

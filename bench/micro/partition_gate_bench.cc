// What the partition check adds to every player request on its owner shard
// (docs/cluster.md, "A partition on its shard"): the partition its token names, then the
// table's verdict. One node: every partition served, no lease; a cluster node: the same under
// a lease. Tokens are read in a shuffled
// order over all 1024 partitions, so the table's bytes are not one hot cache line.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

#include "api/forward.h"
#include "api/partition_table.h"
#include "api/routes.h"
#include "core/clock.h"
#include "model/ids.h"

namespace ringside {
namespace {

std::vector<std::array<char, kIdTextLength>> tokens_over_partitions() {
  std::vector<std::array<char, kIdTextLength>> tokens(4096);
  for (size_t i = 0; i < tokens.size(); ++i) {
    format_id(IdKind::kToken, IdOwner::partition(static_cast<uint16_t>(i % kPartitionCount)),
              random_id128(), tokens[i].data());
  }
  std::shuffle(tokens.begin(), tokens.end(), std::mt19937_64(42));
  return tokens;
}

void run_gate(benchmark::State& state, const PartitionTable& table) {
  const auto tokens = tokens_over_partitions();
  const LegacyTokens no_legacy_tokens;
  PlayerCall call;
  call.route = kRouteSessionStatus;
  size_t i = 0;
  uint64_t now_ms = 1'000'000;
  for (auto _ : state) {
    call.token = std::string_view(tokens[i].data(), kIdTextLength);
    i = (i + 1) % tokens.size();
    const std::optional<uint16_t> p = partition_of(call, no_legacy_tokens);
    bool serve = p && table.route(*p, now_ms) == PartitionRoute::kServe;
    benchmark::DoNotOptimize(serve);
  }
}

void BM_PartitionGateOneNode(benchmark::State& state) {
  const PartitionTable table(false, 0, 1);
  run_gate(state, table);
}
BENCHMARK(BM_PartitionGateOneNode);

// A cluster node that serves every partition under a lease: the verdict adds a read of the
// coarse monotonic clock (a vDSO load).
void BM_PartitionGateCluster(benchmark::State& state) {
  PartitionTable table(true, 0, 1);
  for (uint16_t p = 0; p < kPartitionCount; ++p) table.set(p, PartitionState::kServed);
  table.set_lease(coarse_mono_ms() + 3'600'000);
  run_gate(state, table);
}
BENCHMARK(BM_PartitionGateCluster);

}  // namespace
}  // namespace ringside

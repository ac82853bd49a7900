// Costs on the per-request path of a shard's store: minting, printing and parsing ids, hashing
// a bearer token, and looking a session up by id.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "model/flat_map.h"
#include "model/ids.h"
#include "model/token_hash.h"

namespace ringside {
namespace {

void BM_RandomId128(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(random_id128());
}
BENCHMARK(BM_RandomId128);

void BM_FormatId(benchmark::State& state) {
  Id128 bits = random_id128();
  char out[kIdTextLength];
  for (auto _ : state) {
    benchmark::DoNotOptimize(bits);
    format_id(IdKind::kSession, IdOwner::partition(517), bits, out);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_FormatId);

void BM_ParseId(benchmark::State& state) {
  std::string text = id_to_string(IdKind::kSession, IdOwner::partition(517), random_id128());
  for (auto _ : state) {
    benchmark::DoNotOptimize(text);
    benchmark::DoNotOptimize(parse_id(text, IdKind::kSession));
  }
}
BENCHMARK(BM_ParseId);

void BM_HashToken(benchmark::State& state) {
  std::string token =
      id_to_string(IdKind::kToken, IdOwner::partition(517), random_id128());  // 29 chars
  for (auto _ : state) {
    benchmark::DoNotOptimize(token);
    benchmark::DoNotOptimize(hash_token(token));
  }
}
BENCHMARK(BM_HashToken);

void BM_ShardOfPlayer(benchmark::State& state) {
  std::string player = "player-0123456789";
  for (auto _ : state) {
    benchmark::DoNotOptimize(player);
    benchmark::DoNotOptimize(shard_of_player(player, 16));
  }
}
BENCHMARK(BM_ShardOfPlayer);

using SessionMap = FlatMap<Id128, uint32_t, Id128Hasher>;
constexpr size_t kMapEntries = 1'000'000;
constexpr size_t kProbeKeys = 1 << 16;  // cycled through, so lookups miss the CPU caches

struct LookupFixture {
  SessionMap map;
  std::vector<Id128> present, absent;
  LookupFixture() {
    for (uint32_t i = 0; i < kMapEntries; ++i) {
      Id128 id = random_id128();
      map.insert(id, i);
      if (present.size() < kProbeKeys) present.push_back(id);
    }
    for (size_t i = 0; i < kProbeKeys; ++i) absent.push_back(random_id128());
  }
};

const LookupFixture& lookup_fixture() {
  static const LookupFixture fixture;
  return fixture;
}

void Lookup(benchmark::State& state, const std::vector<Id128>& keys) {
  const SessionMap& map = lookup_fixture().map;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(map.find(keys[i]));
    i = (i + 1) & (kProbeKeys - 1);
  }
  state.counters["table_MiB"] = double(map.memory_bytes()) / (1 << 20);
  state.counters["load"] = double(map.size()) / double(map.capacity());
  state.counters["bytes_per_entry"] = double(map.memory_bytes()) / double(map.size());
}

void BM_FlatMapLookupHit(benchmark::State& state) { Lookup(state, lookup_fixture().present); }
BENCHMARK(BM_FlatMapLookupHit);

void BM_FlatMapLookupMiss(benchmark::State& state) { Lookup(state, lookup_fixture().absent); }
BENCHMARK(BM_FlatMapLookupMiss);

}  // namespace
}  // namespace ringside

// The owner shard's share of an authenticated session-status poll (the hot path: every browser
// polls every 2 s): authenticate the bearer token (SHA-256 included), find the session by id,
// render the status body. Stores hold 100k entries each, probed in a shuffled order so that
// lookups are not all served from the CPU caches.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api/session_render.h"
#include "core/byte_buffer.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/catalog.h"
#include "model/ids.h"
#include "model/token_hash.h"
#include "model/token_minter.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {
namespace {

constexpr uint32_t kEntries = 100'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kIdleMs = 1'800'000;

Clock start_clock() {
  Clock c;
  c.mono_ms = 1'000'000;
  c.mono_us = c.mono_ms * 1000;
  c.unix_ms = 1'741'515'300'000;
  c.unix_s = c.unix_ms / 1000;
  return c;
}

template <class T>
void shuffle(std::vector<T>& v) {
  std::mt19937_64 rng(42);
  std::shuffle(v.begin(), v.end(), rng);
}

// Field order of the members matters: the stores cancel their timers in the wheel when they go.
struct TokenFixture {
  Clock clock = start_clock();
  TimerWheel wheel{100, 4096, clock.mono_ms};
  TokenMinter minter{TokenMinter::random_secret()};
  TokenStore store{minter, wheel, clock, kHourMs, 60'000};
  // Token texts side by side, read in order: a request's token sits in its freshly received
  // input buffer, so its bytes are in cache; the store's tables are what is probed at random.
  std::vector<std::array<char, kIdTextLength>> tokens;
  std::vector<TokenHash> hashes;

  TokenFixture() {
    tokens.reserve(kEntries);
    for (uint32_t player = 0; player < kEntries; ++player) {
      const TokenGrant g = store.grant(player, kAnyGame, 3);
      std::array<char, kIdTextLength>& t = tokens.emplace_back();
      std::copy_n(g.token, kIdTextLength, t.begin());
    }
    shuffle(tokens);
    for (const auto& t : tokens) hashes.push_back(hash_token(std::string_view(t.data(), t.size())));
  }
};

TokenFixture& token_fixture() {
  static TokenFixture fixture;
  return fixture;
}

void BM_TokenAuthenticate(benchmark::State& state) {
  TokenFixture& f = token_fixture();
  size_t i = 0;
  AuthContext auth;
  for (auto _ : state) {
    const std::string_view token(f.tokens[i].data(), kIdTextLength);
    const bool ok = f.store.authenticate(hash_token(token), &auth);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(auth);
    if (++i == f.tokens.size()) i = 0;
  }
  state.counters["tokens"] = static_cast<double>(f.store.token_sessions());
  state.counters["store_MiB"] = static_cast<double>(f.store.memory_bytes()) / (1 << 20);
}
BENCHMARK(BM_TokenAuthenticate);

// The same without the SHA-256: what the store itself costs.
void BM_TokenAuthenticatePrehashed(benchmark::State& state) {
  TokenFixture& f = token_fixture();
  size_t i = 0;
  AuthContext auth;
  for (auto _ : state) {
    const bool ok = f.store.authenticate(f.hashes[i], &auth);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(auth);
    if (++i == f.hashes.size()) i = 0;
  }
}
BENCHMARK(BM_TokenAuthenticatePrehashed);

struct SessionFixture {
  struct Probe {
    Id128 id;
    uint32_t player;
  };
  Clock clock = start_clock();
  TimerWheel wheel{100, 4096, clock.mono_ms};
  SessionStore store{wheel, clock, kIdleMs, [](void*, uint32_t, EndReason) {}, nullptr};
  std::vector<Probe> probes;

  SessionFixture() {
    probes.reserve(kEntries);
    for (uint32_t i = 0; i < kEntries; ++i) {
      const uint32_t player = store.find_or_add_player("player-" + std::to_string(i));
      const uint32_t index = store.create(player, static_cast<uint16_t>(i % 40), random_id128(),
                                          IdOwner::partition(3));
      probes.push_back({store.session(index).id, player});
    }
    shuffle(probes);
  }
};

SessionFixture& session_fixture() {
  static SessionFixture fixture;
  return fixture;
}

void BM_SessionFind(benchmark::State& state) {
  SessionFixture& f = session_fixture();
  size_t i = 0;
  for (auto _ : state) {
    const SessionFixture::Probe& p = f.probes[i];
    GameSession* s = f.store.find(p.id, p.player);
    benchmark::DoNotOptimize(s);
    if (++i == f.probes.size()) i = 0;
  }
  state.counters["sessions"] = static_cast<double>(f.store.session_count());
  state.counters["store_MiB"] = static_cast<double>(f.store.memory_bytes()) / (1 << 20);
}
BENCHMARK(BM_SessionFind);

// The session-status body as the status poll writes it (api/session_render.h): the id
// formatted from its bits, the containerUrl built in a scratch buffer, the start time as
// RFC 3339.
struct StatusFixture {
  Catalog catalog = make_catalog();
  std::vector<GameServerInfo> servers{GameServerInfo{"s0", "http://10.0.3.17:8443"}};
  SessionUrls session_urls;
  PlacementMetrics queue{1};
  Clock clock;
  SessionRenderContext context{catalog, servers, session_urls, queue, clock};

  static Catalog make_catalog() {
    std::string error;
    std::optional<Catalog> c = Catalog::parse(
        R"({"games": [{"slug": "cafe-racer", "title": "Caf\u00e9 Racer: \"Night\" Edition",
                       "image": "cafe-racer:1", "sizeMb": 1}]})",
        &error);
    if (!c) std::abort();
    return std::move(*c);
  }
};

void RenderStatus(benchmark::State& state, SessionStatus status) {
  const StatusFixture f;
  GameSession s;
  s.id = random_id128();
  s.status = status;
  s.phase = StartPhase::kPulling;
  s.started_ms = 1'741'515'300'123;
  ByteBuffer out(1024), url_scratch(256);
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    w.begin_object();
    render_status_fields(w, s, f.context, url_scratch);
    w.end_object();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}

void BM_RenderSessionStatusRunning(benchmark::State& state) {
  RenderStatus(state, SessionStatus::kRunning);
}
BENCHMARK(BM_RenderSessionStatusRunning);

void BM_RenderSessionStatusStarting(benchmark::State& state) {
  RenderStatus(state, SessionStatus::kStarting);
}
BENCHMARK(BM_RenderSessionStatusStarting);

}  // namespace
}  // namespace ringside

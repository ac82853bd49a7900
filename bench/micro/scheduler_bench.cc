// Placement cost on the I/O thread: a submit and a release against 100 game servers, and a
// release with a long queue.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "model/token_bucket.h"
#include "sched/scheduler.h"

namespace ringside {
namespace {

constexpr uint32_t kServers = 100;
constexpr uint32_t kImages = 50;

Scheduler make_scheduler(size_t queue_capacity) {
  Scheduler sched(queue_capacity);
  for (uint32_t i = 0; i < kServers; ++i) {
    ServerState s;
    s.name = "server";
    s.cpu_capacity_millicores = (16 + 16 * (i % 3)) * 1000;
    s.memory_capacity_mb = (32 + 32 * (i % 3)) * 1024;
    s.slot_capacity = 16;
    for (uint32_t image = i % 7; image < kImages; image += 7) s.add_image(image);
    sched.add_server(std::move(s));
  }
  return sched;
}

PlacementRequest request_for(uint64_t id) {
  const uint32_t image = static_cast<uint32_t>(id * 2654435761u % kImages);
  return {id, image, ResourceProfile{0.5 + image % 4, 1024.0 + 512 * (image % 5), 1, 1}};
}

// Steady state with `live` sessions running: each iteration ends the oldest and places one.
void BM_SubmitRelease(benchmark::State& state) {
  Scheduler sched = make_scheduler(1024);
  const auto live = static_cast<size_t>(state.range(0));
  std::vector<Placement> running(live);
  std::vector<Placement> drained;  // stays empty: nothing is ever queued here
  uint64_t next_id = 0;
  for (Placement& p : running) {
    if (sched.submit(request_for(next_id++), &p) != Scheduler::Outcome::kPlaced) {
      state.SkipWithError("warm-up placement did not fit");
      return;
    }
  }
  size_t oldest = 0;
  for (auto _ : state) {
    const Placement ending = running[oldest];
    sched.release(ending.server, ending.reserved, drained);
    Placement p{};
    if (sched.submit(request_for(next_id++), &p) != Scheduler::Outcome::kPlaced) {
      state.SkipWithError("a launch did not fit: the steady state is not steady");
      return;
    }
    running[oldest] = p;
    oldest = (oldest + 1) % live;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SubmitRelease)->Arg(100)->Arg(800);

// A launch storm: every server full and the queue full. Each iteration one session ends,
// the queue places what now fits (scanning past everything that does not), and new launches
// fill the queue up again.
void BM_ReleaseIntoFullQueue(benchmark::State& state) {
  Scheduler sched = make_scheduler(static_cast<size_t>(state.range(0)));
  std::vector<Placement> running;
  uint64_t next_id = 0;
  auto fill = [&] {
    for (;;) {
      Placement p{};
      const auto outcome = sched.submit(request_for(next_id++), &p);
      if (outcome == Scheduler::Outcome::kRejected) return;
      if (outcome == Scheduler::Outcome::kPlaced) running.push_back(p);
    }
  };
  fill();
  std::vector<Placement> placed;
  size_t next = 0;
  for (auto _ : state) {
    placed.clear();
    const Placement ending = running[next];
    sched.release(ending.server, ending.reserved, placed);
    running[next] = running.back();
    running.pop_back();
    running.insert(running.end(), placed.begin(), placed.end());
    fill();
    next = (next + 1) % running.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReleaseIntoFullQueue)->Arg(64)->Arg(1024);

// The release of one session with `n` launches queued, timed alone (the refill between
// releases is not): what the I/O core pays per session end in a storm. 64 servers of 10 slots
// as in bench/poll_busy.sh.
constexpr uint32_t kStormServers = 64;
constexpr uint32_t kStormSlots = 10;
const ResourceProfile kSmall{0.1, 64, 1, 1};
const ResourceProfile kWholeServer{16, 64, 1, 1};

Scheduler make_storm_scheduler(size_t queue_capacity) {
  Scheduler sched(queue_capacity);
  for (uint32_t i = 0; i < kStormServers; ++i) {
    ServerState s;
    s.name = "server";
    s.cpu_capacity_millicores = 16000;
    s.memory_capacity_mb = 64 * 1024;
    s.slot_capacity = kStormSlots;
    s.add_image(0);
    sched.add_server(std::move(s));
  }
  return sched;
}

// Times `call` alone (manual time): a release without the refill after it, or the reverse.
template <typename Call>
void time_alone(benchmark::State& state, Call&& call) {
  const auto start = std::chrono::steady_clock::now();
  call();
  state.SetIterationTime(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// Every slot taken, `n` launches of one game queued: each release places the oldest, and the
// rest of the queue cannot go anywhere (no slot is left).
void BM_ReleaseWithQueued(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Scheduler sched = make_storm_scheduler(n);
  std::vector<Placement> running;
  uint64_t next_id = 0;
  for (;;) {
    Placement p{};
    const auto outcome = sched.submit({next_id++, 0, kSmall}, &p);
    if (outcome == Scheduler::Outcome::kRejected) break;
    if (outcome == Scheduler::Outcome::kPlaced) running.push_back(p);
  }
  std::vector<Placement> placed;
  size_t next = 0;
  for (auto _ : state) {
    placed.clear();
    const Placement ending = running[next];
    time_alone(state, [&] { sched.release(ending.server, ending.reserved, placed); });
    if (placed.size() != 1) {
      state.SkipWithError("a release did not place exactly the oldest launch");
      return;
    }
    running[next] = placed[0];
    next = (next + 1) % running.size();
    Placement p{};
    if (sched.submit({next_id++, 0, kSmall}, &p) != Scheduler::Outcome::kQueued) {
      state.SkipWithError("the refill was not queued");
      return;
    }
  }
  state.counters["queued"] = static_cast<double>(sched.queued());
}
BENCHMARK(BM_ReleaseWithQueued)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->UseManualTime()
    ->Iterations(2000);

// The launch that refills the queue after such a release, timed alone: a submit into a queue
// of `n` (it looks for a request that holds the queue first).
void BM_SubmitWithQueued(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Scheduler sched = make_storm_scheduler(n);
  std::vector<Placement> running;
  uint64_t next_id = 0;
  for (;;) {
    Placement p{};
    const auto outcome = sched.submit({next_id++, 0, kSmall}, &p);
    if (outcome == Scheduler::Outcome::kRejected) break;
    if (outcome == Scheduler::Outcome::kPlaced) running.push_back(p);
  }
  std::vector<Placement> placed;
  size_t next = 0;
  for (auto _ : state) {
    placed.clear();
    const Placement ending = running[next];
    sched.release(ending.server, ending.reserved, placed);
    running[next] = placed.at(0);
    next = (next + 1) % running.size();
    Placement p{};
    Scheduler::Outcome outcome{};
    time_alone(state, [&] { outcome = sched.submit({next_id++, 0, kSmall}, &p); });
    if (outcome != Scheduler::Outcome::kQueued) {
      state.SkipWithError("the refill was not queued");
      return;
    }
  }
  state.counters["queued"] = static_cast<double>(sched.queued());
}
BENCHMARK(BM_SubmitWithQueued)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->UseManualTime()
    ->Iterations(2000);

// The queue held at its head: a launch that needs a whole server was passed max_bypass times,
// and `n` small launches wait behind it. A release frees one small slot, which places nothing.
void BM_ReleaseWithQueueHeld(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Scheduler sched = make_storm_scheduler(n + 1);
  std::vector<Placement> running;
  uint64_t next_id = 0;
  for (uint32_t i = 0; i < kStormServers * kStormSlots; ++i) {
    Placement p{};
    if (sched.submit({next_id++, 0, kSmall}, &p) != Scheduler::Outcome::kPlaced) break;
    running.push_back(p);
  }
  Placement p{};
  if (sched.submit({next_id++, 0, kWholeServer}, &p) != Scheduler::Outcome::kQueued) {
    state.SkipWithError("the large launch was not queued");
    return;
  }
  // Small launches pass it, one freed slot at a time, until it holds the queue.
  std::vector<Placement> placed;
  for (uint32_t i = 0; i < Scheduler::kDefaultMaxBypass; ++i) {
    sched.release(running[i].server, running[i].reserved, placed);
    if (sched.submit({next_id++, 0, kSmall}, &running[i]) != Scheduler::Outcome::kPlaced) {
      state.SkipWithError("a small launch did not pass the large one");
      return;
    }
  }
  while (sched.queued() < n + 1) {
    if (sched.submit({next_id++, 0, kSmall}, &p) != Scheduler::Outcome::kQueued) {
      state.SkipWithError("a small launch was not queued behind the held queue");
      return;
    }
  }
  size_t next = 0;
  for (auto _ : state) {
    placed.clear();
    const Placement ending = running[next];
    time_alone(state, [&] { sched.release(ending.server, ending.reserved, placed); });
    if (!placed.empty()) {
      state.SkipWithError("a held queue placed a launch");
      return;
    }
    running[next] = sched.adopt(ending.request_id, 0, kSmall, ending.server);
    next = (next + 1) % running.size();
  }
  state.counters["queued"] = static_cast<double>(sched.queued());
}
BENCHMARK(BM_ReleaseWithQueueHeld)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->UseManualTime()
    ->Iterations(2000);

// One per player on a shard: the launch check that precedes every placement.
void BM_TokenBucketTake(benchmark::State& state) {
  const TokenBucketPolicy policy(Rate{3.0 / 60}, 3);
  std::vector<TokenBucketState> players(4096);
  uint64_t now_ms = 0;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(policy.try_take(players[i], now_ms));
    i = (i + 1) % players.size();
    now_ms += 3;
  }
}
BENCHMARK(BM_TokenBucketTake);

}  // namespace
}  // namespace ringside

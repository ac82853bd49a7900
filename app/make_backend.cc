#include "app/make_backend.h"

#include <utility>

#include "backends/sim/sim_backend.h"
#include "store/ids.h"

namespace ringside {
namespace {

SimOptions sim_options(const Config& config, const Catalog& catalog) {
  SimOptions o;
  o.pull_ms = config.sim_pull_ms;
  o.start_ms = config.sim_start_ms;
  o.session_cpu_cores = config.sim_session_cpu_cores;
  o.session_memory_mb = config.sim_session_memory_mb;
  o.pull_failure_rate = config.sim_pull_failure_rate;
  o.start_failure_rate = config.sim_start_failure_rate;
  if (config.sim_cached_images == "all") {
    for (const Game& game : catalog.games()) o.preloaded_images.push_back(game.image);
  }
  random_bytes(&o.seed, sizeof o.seed);
  return o;
}

}  // namespace

std::unique_ptr<Backend> make_backend(const Runtime& runtime, TimerWheel& timers,
                                      std::function<uint64_t()> now_ms, BackendEvents& events) {
  if (runtime.config.backend == "sim") {
    return std::make_unique<SimBackend>(runtime.servers,
                                        sim_options(runtime.config, runtime.catalog), timers,
                                        std::move(now_ms), events);
  }
  return nullptr;
}

}  // namespace ringside

#include "app/make_backend.h"

#include <cmath>
#include <utility>

#include "app/fleet.h"
#include "backends/docker/docker_backend.h"
#include "backends/gameye/gameye_backend.h"
#include "backends/sim/sim_backend.h"
#include "model/ids.h"

namespace ringside {
namespace {

SimOptions sim_options(const Config& config, const Catalog& catalog) {
  SimOptions o;
  o.pull_ms = config.sim_pull_ms;
  o.start_ms = config.sim_start_ms;
  o.stop_ms = config.sim_stop_ms;
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

DockerOptions docker_options(const Config& config) {
  DockerOptions o;
  o.save_root = config.save_root;
  o.pull_timeout_ms = static_cast<uint32_t>(config.docker_pull_timeout_s * 1000);
  o.stop_grace_s = static_cast<uint32_t>(std::lround(config.docker_stop_grace_s));
  o.orphan_grace_ms = static_cast<uint32_t>(config.docker_orphan_grace_s * 1000);
  o.lost_timeout_ms = static_cast<uint32_t>(config.docker_lost_timeout_s * 1000);
  return o;
}

GameyeOptions gameye_options(const Config& config) {
  GameyeOptions o;
  o.base_url = config.gameye_url;
  o.token = config.gameye_token;
  o.fleet = config.gameye_fleet;
  o.locations = config.gameye_locations;
  o.timeout_ms = static_cast<uint32_t>(config.gameye_timeout_s * 1000);
  o.retries = config.gameye_retries;
  o.liveness_ms = config.gameye_liveness_interval_s * 1000;
  random_bytes(&o.seed, sizeof o.seed);
  return o;
}

}  // namespace

std::unique_ptr<Backend> make_backend(const Runtime& runtime, BackendMetrics& metrics,
                                      Reactor& reactor, TimerWheel& timers,
                                      std::function<uint64_t()> now_ms, BackendEvents& events) {
  if (runtime.config.backend == "docker") {
    return std::make_unique<DockerBackend>(
        docker_fleet(runtime.config), docker_options(runtime.config), reactor, events, metrics);
  }
  if (runtime.config.backend == "gameye") {
    auto http = std::make_unique<HttpClient>(reactor);
    HttpClient& client = *http;
    return std::make_unique<GameyeBackend>(runtime.servers, gameye_options(runtime.config), client,
                                           timers, std::move(now_ms), events, metrics,
                                           std::move(http));
  }
  if (runtime.config.backend == "sim") {
    return std::make_unique<SimBackend>(runtime.servers,
                                        sim_options(runtime.config, runtime.catalog), timers,
                                        std::move(now_ms), events);
  }
  return nullptr;
}

}  // namespace ringside

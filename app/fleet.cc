#include "app/fleet.h"

#include <cstdio>
#include <optional>
#include <stdexcept>

namespace ringside {
namespace {

// One logical server per Gameye location, holding the configured number of sessions; CPU and
// memory are Gameye's concern, so they are sized never to be what limits placement there.
std::vector<GameServerInfo> gameye_fleet(const Config& config) {
  std::vector<GameServerInfo> fleet;
  for (const std::string& location : config.gameye_locations) {
    GameServerInfo s;
    s.name = location;
    s.url_base = config.gameye_url;  // Gameye gives each session its own host and port
    s.slots = config.gameye_slots_per_location;
    s.cpu_millicores = 1'000'000'000;
    s.memory_mb = 1'000'000'000;
    fleet.push_back(std::move(s));
  }
  return fleet;
}

}  // namespace

std::vector<DockerEngine> docker_fleet(const Config& config) {
  GameServerInfo defaults;
  defaults.cpu_millicores = config.docker_engine_cpu_millicores;
  defaults.memory_mb = config.docker_engine_memory_mb;
  defaults.slots = config.docker_engine_slots;
  std::string error;
  std::optional<std::vector<DockerEngine>> fleet =
      load_docker_fleet(config.docker_fleet, config.docker_engines, defaults, &error);
  if (!fleet) throw std::runtime_error(error);
  return std::move(*fleet);
}

std::vector<GameServerInfo> make_fleet(const Config& config) {
  if (config.backend == "gameye") return gameye_fleet(config);
  if (config.backend == "docker") {
    std::vector<GameServerInfo> servers;
    for (DockerEngine& engine : docker_fleet(config)) servers.push_back(std::move(engine.info));
    return servers;
  }
  std::vector<GameServerInfo> fleet;
  for (uint32_t i = 0; i < config.sim_servers; ++i) {
    char name[16];
    snprintf(name, sizeof name, "gs%02u", i + 1);
    GameServerInfo s;
    s.name = name;
    s.url_base = std::string("https://") + name + ".sim.ringside.test";
    s.cpu_millicores = config.sim_server_cpu_millicores;
    s.memory_mb = config.sim_server_memory_mb;
    s.slots = config.sim_slots_per_server;
    fleet.push_back(std::move(s));
  }
  return fleet;
}

}  // namespace ringside

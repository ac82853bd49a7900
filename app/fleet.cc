#include "app/fleet.h"

#include <cstdio>

namespace ringside {

std::vector<GameServerInfo> make_fleet(const Config& config) {
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

#pragma once
// The game servers of the configured backend, fixed at start-up.
#include <vector>

#include "backends/docker/docker_fleet.h"
#include "model/backend.h"
#include "model/config.h"

namespace ringside {

std::vector<GameServerInfo> make_fleet(const Config& config);
// --backend docker: the engines of --docker-fleet or --docker-engines. Throws
// std::runtime_error when they are missing or malformed.
std::vector<DockerEngine> docker_fleet(const Config& config);

}  // namespace ringside

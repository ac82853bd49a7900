#pragma once
// The game servers of the configured backend, fixed at start-up.
#include <vector>

#include "app/config.h"
#include "backends/backend.h"

namespace ringside {

std::vector<GameServerInfo> make_fleet(const Config& config);

}  // namespace ringside

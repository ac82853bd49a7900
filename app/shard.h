#pragma once
// A shard thread: one reactor, one listening socket, the connections it accepted and the
// players hashed to it. Shard 0 also watches for SIGTERM/SIGINT and starts the drain.
#include <cstdint>
#include <vector>

#include "app/process.h"

namespace ringside {

// Thread body. Returns when the I/O core says every shard has drained.
void run_shard(const ShardHandOff& hand, const std::vector<int>& cpus);

}  // namespace ringside

#pragma once
// One row of server_cordons (migration 0010; docs/operator-api.md, "Servers"): a game server
// an operator cordoned or drained, as a node reads it back.
#include <cstdint>
#include <string>

namespace ringside {

struct ServerCordon {
  std::string server;  // its --fleet name (may name no server of this node's fleet)
  bool draining = false;
  // When draining: the drain's deadline on this process's monotonic clock (ms, Clock::mono_ms),
  // turned from the database's clock as `deadline - now()` read there. At or before the
  // time of the read when it has passed.
  uint64_t deadline_mono_ms = 0;
};

}  // namespace ringside

#pragma once
// A connection of some shard's HTTP server, as a held answer or a message names it: its slot
// and the slot's generation, so an answer for a connection that closed meanwhile is dropped.
#include <cstdint>

namespace ringside {

struct ConnRef {
  uint32_t index = 0;
  uint32_t generation = 0;
};

}  // namespace ringside

#pragma once
// Where the answer to a request must go: a connection on some shard.
#include <cstdint>

#include "model/conn_ref.h"

namespace ringside {

struct ReplyTarget {
  uint32_t shard;
  ConnRef ref;
};

}  // namespace ringside

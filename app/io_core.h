#pragma once
// The I/O core: one thread for what is slow or global (backend clients, placement, the
// database). Shards reach it only by message. It also coordinates the end of a drain.
#include "app/process.h"

namespace ringside {

// Thread body. Returns once every shard has drained and been told to stop.
void run_io_core(IoHandOff hand);

}  // namespace ringside

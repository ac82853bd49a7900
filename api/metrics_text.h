#pragma once
// /metrics in the Prometheus text format (version 0.0.4), summed over shards where a figure
// is process-wide and labelled by shard where it is per core.
#include "core/byte_buffer.h"
#include "model/runtime.h"

namespace ringside {

void render_metrics(const Runtime& runtime, ByteBuffer& out);

}  // namespace ringside

#pragma once
// The warm pool's series of /metrics (docs/warm-pools.md, "Visibility"):
// ringside_warm_containers{game,server}, the warm containers ready now of every game with a pool
// (warmPool N or "auto") on every server, 0 included; games without a pool (and removed ones)
// print no row. ringside_launch_starts_total{kind}: launches that became running, by how their
// container was got (warm, cached, pulled), the three printed at 0 too.
#include <vector>

#include "core/byte_buffer.h"
#include "model/backend.h"
#include "model/catalog.h"
#include "model/metrics/placement_metrics.h"

namespace ringside {

void render_warm_metrics(const std::vector<Game>& games, const std::vector<GameServerInfo>& servers,
                         const PlacementMetrics& pm, ByteBuffer& out);

}  // namespace ringside

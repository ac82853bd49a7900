#include "app/partition_source.h"

#include "core/log.h"
#include "store/durable/state_loader.h"

namespace ringside {

PartitionLoadFn database_partition_source(const Runtime& runtime) {
  return [&runtime](std::span<const uint16_t> partitions,
                    const std::function<void(ShardState&)>& take, std::string* error) {
    ShardLoadCounts n;
    if (!stream_partition_state(runtime.config.database_url, runtime.catalog, runtime.servers,
                                partitions, take, &n, error)) {
      return false;
    }
    log_info("partitions_loaded")
        .kv("node", runtime.config.node_id)
        .kv("partitions", partitions.size())
        .kv("players", n.players)
        .kv("tokens", n.tokens)
        .kv("slots", n.slots)
        .kv("sessions", n.sessions)
        .kv("skipped", n.skipped);
    return true;
  };
}

}  // namespace ringside

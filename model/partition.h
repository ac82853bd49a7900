#pragma once
// Partitions: the unit of ownership between nodes (docs/cluster.md). Every player belongs to one
// of kPartitionCount partitions, fixed for the life of a deployment; ids and tokens carry it
// (model/ids.h), so any node finds the owner without a lookup. Inside a node, a partition
// belongs to one shard thread. A single node owns every partition.
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/ids.h"

namespace ringside {

inline constexpr uint16_t kPartitionCount = kMaxShardCount;  // the 2 base32 chars of an id

// The partition of a player: the pinned player hash (shard_of_player) over kPartitionCount.
// With a shard count that divides kPartitionCount (a power of two), partition % shards is
// exactly the shard a single node hashed the player to before partitions existed.
inline uint16_t partition_of_player(std::string_view player_id) {
  return shard_of_player(player_id, kPartitionCount);
}

// The shard thread of this node that holds a partition's players.
inline uint32_t shard_of_partition(uint16_t partition, uint32_t shard_count) {
  return partition % shard_count;
}

// Every partition a shard holds when its node owns them all (one node).
inline std::vector<uint16_t> partitions_of_shard(uint32_t shard, uint32_t shard_count) {
  std::vector<uint16_t> out;
  for (uint32_t p = shard; p < kPartitionCount; p += shard_count) {
    out.push_back(static_cast<uint16_t>(p));
  }
  return out;
}

}  // namespace ringside

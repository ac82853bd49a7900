#pragma once
// Rendezvous (highest-random-weight) hashing of partitions over nodes: every node computes the
// same target owner of each partition from the same list of live node ids, in any order, and
// when a node joins or leaves only the partitions that move to or from it change hands.
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/partition.h"

namespace ringside {

// The weight of a node for a partition: a well-mixed 64-bit function of both.
uint64_t rendezvous_weight(std::string_view node_id, uint16_t partition);

// For each partition (index 0..kPartitionCount-1), the index in `nodes` of its target owner,
// or -1 when `nodes` is empty. Ties (never seen in practice) go to the smaller node id.
std::vector<int> rendezvous_assign(const std::vector<std::string_view>& nodes);

}  // namespace ringside

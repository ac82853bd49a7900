#pragma once
// Tokens minted before partitions (legacy ids, model/ids.h): their owner chars name the shard
// of the single node that minted them, not a partition, so they cannot route themselves. At
// start the node reads which live token sessions still hold such a token, derives each token
// again (store/durable/state_loader.h) and keeps its random bits -> its player's partition here.
// Built before any thread starts, read-only after: every shard routes a legacy token through it.
// No new legacy token is ever minted (a refresh mints a partition's), so it never grows.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "model/ids.h"

namespace ringside {

class LegacyTokens {
 public:
  void add(const Id128& bits, uint16_t partition) { entries_.emplace_back(bits, partition); }
  // After the last add: sorts for lookups.
  void seal() {
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return less(a.first, b.first); });
  }
  std::optional<uint16_t> partition_of(const Id128& bits) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), bits,
                               [](const Entry& e, const Id128& b) { return less(e.first, b); });
    if (it == entries_.end() || !(it->first == bits)) return std::nullopt;
    return it->second;
  }
  size_t size() const { return entries_.size(); }

 private:
  using Entry = std::pair<Id128, uint16_t>;
  static bool less(const Id128& a, const Id128& b) {
    return a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo;
  }
  std::vector<Entry> entries_;
};

}  // namespace ringside

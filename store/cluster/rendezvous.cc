#include "store/cluster/rendezvous.h"

namespace ringside {
namespace {

uint64_t fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t rendezvous_weight(std::string_view node_id, uint16_t partition) {
  return mix(mix(fnv1a(node_id)) ^ (0x9e3779b97f4a7c15ULL * (uint64_t{partition} + 1)));
}

std::vector<int> rendezvous_assign(const std::vector<std::string_view>& nodes) {
  std::vector<int> owner(kPartitionCount, -1);
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    uint64_t best = 0;
    for (size_t n = 0; n < nodes.size(); ++n) {
      const uint64_t w = rendezvous_weight(nodes[n], p);
      const int cur = owner[p];
      if (cur < 0 || w > best || (w == best && nodes[n] < nodes[static_cast<size_t>(cur)])) {
        best = w;
        owner[p] = static_cast<int>(n);
      }
    }
  }
  return owner;
}

}  // namespace ringside

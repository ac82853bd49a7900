#include "model/flat_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

#include "model/ids.h"
#include "model/token_hash.h"

namespace ringside {
namespace {

// The key is its own hash, so a test decides which slot each key calls home.
struct IdentityHasher {
  uint64_t operator()(uint64_t k) const { return k; }
};

// Few distinct hashes: long probe runs that wrap around the end of the table.
struct ClusteringHasher {
  uint64_t operator()(uint64_t k) const { return (k % 5) * 3 + 13; }
};

struct StdIdHash {
  size_t operator()(const Id128& id) const { return Id128Hasher{}(id); }
};

using SessionMap = FlatMap<Id128, uint32_t, Id128Hasher>;

TEST(FlatMap, EmptyMapFindsNothingAndHoldsNoMemory) {
  SessionMap map;
  EXPECT_EQ(map.find(Id128{1, 2}), nullptr);
  EXPECT_FALSE(map.erase(Id128{1, 2}));
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.memory_bytes(), 0u);
}

TEST(FlatMap, InsertFindErase) {
  SessionMap map;
  auto [value, inserted] = map.insert(Id128{1, 2}, 7);
  EXPECT_TRUE(inserted);
  EXPECT_EQ(*value, 7u);
  ASSERT_NE(map.find(Id128{1, 2}), nullptr);
  EXPECT_EQ(*map.find(Id128{1, 2}), 7u);
  EXPECT_EQ(map.find(Id128{2, 1}), nullptr);
  EXPECT_EQ(map.size(), 1u);

  EXPECT_TRUE(map.erase(Id128{1, 2}));
  EXPECT_FALSE(map.erase(Id128{1, 2}));
  EXPECT_EQ(map.find(Id128{1, 2}), nullptr);
  EXPECT_EQ(map.size(), 0u);
}

TEST(FlatMap, AllZeroKeyIsAnOrdinaryKey) {
  SessionMap map;
  EXPECT_EQ(map.find(Id128{0, 0}), nullptr);
  map.insert(Id128{5, 5}, 1);
  EXPECT_EQ(map.find(Id128{0, 0}), nullptr);
  EXPECT_TRUE(map.insert(Id128{0, 0}, 2).second);
  ASSERT_NE(map.find(Id128{0, 0}), nullptr);
  EXPECT_EQ(*map.find(Id128{0, 0}), 2u);
}

TEST(FlatMap, InsertDoesNotOverwrite) {
  SessionMap map;
  map.insert(Id128{1, 2}, 7);
  auto [value, inserted] = map.insert(Id128{1, 2}, 9);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(*value, 7u);
  EXPECT_EQ(*map.find(Id128{1, 2}), 7u);
  EXPECT_EQ(map.size(), 1u);
}

TEST(FlatMap, ValueIsWritableThroughFind) {
  SessionMap map;
  map.insert(Id128{1, 2}, 7);
  *map.find(Id128{1, 2}) = 8;
  EXPECT_EQ(*map.find(Id128{1, 2}), 8u);
}

TEST(FlatMap, GrowsByDoublingAndKeepsEverything) {
  SessionMap map;
  std::vector<Id128> keys;
  size_t last_capacity = 0;
  for (uint32_t i = 0; i < 100'000; ++i) {
    keys.push_back(random_id128());
    ASSERT_TRUE(map.insert(keys.back(), i).second);
    size_t cap = map.capacity();
    ASSERT_EQ(cap & (cap - 1), 0u) << "capacity " << cap << " is not a power of two";
    if (cap != last_capacity) {
      if (last_capacity != 0) {
        EXPECT_EQ(cap, last_capacity * 2);
      }
      last_capacity = cap;
    }
    ASSERT_LE(map.size() * 5, cap * 4) << "load above 0.8";
  }
  EXPECT_EQ(map.size(), keys.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const uint32_t* v = map.find(keys[i]);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, i);
  }
}

TEST(FlatMap, SessionMapSlotIs24Bytes) {
  SessionMap map;
  map.insert(Id128{1, 2}, 3);
  EXPECT_EQ(map.memory_bytes(), 24 * map.capacity());
}

TEST(FlatMap, ReserveAvoidsGrowth) {
  SessionMap map;
  map.reserve(1000);
  size_t cap = map.capacity();
  EXPECT_GE(cap * 4, 1000u * 5);
  for (uint32_t i = 0; i < 1000; ++i) map.insert(Id128{i, i}, i);
  EXPECT_EQ(map.capacity(), cap);
  map.reserve(10);  // never shrinks
  EXPECT_EQ(map.capacity(), cap);
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_NE(map.find(Id128{i, i}), nullptr);
}

// Keys homed in the last slot probe into slots 0, 1, ...: erasing from such a run must pull
// entries back across the end of the table, and leave entries homed at slot 0 reachable.
TEST(FlatMap, EraseShiftsBackAcrossTheTableEnd) {
  FlatMap<uint64_t, uint64_t, IdentityHasher> map;
  map.reserve(8);
  ASSERT_EQ(map.capacity(), 16u);
  // Homes: 15, 15, 15 (slots 15, 0, 1), then 0 (slot 2), 1 (slot 3), 14 (slot 14).
  for (uint64_t k : {15, 31, 47, 16, 17, 14}) map.insert(k, k * 10);

  EXPECT_TRUE(map.erase(15));
  for (uint64_t k : {31, 47, 16, 17, 14}) {
    ASSERT_NE(map.find(k), nullptr) << k;
    EXPECT_EQ(*map.find(k), k * 10);
  }
  EXPECT_EQ(map.find(15), nullptr);

  EXPECT_TRUE(map.erase(47));
  EXPECT_TRUE(map.erase(14));
  for (uint64_t k : {31, 16, 17}) {
    ASSERT_NE(map.find(k), nullptr) << k;
    EXPECT_EQ(*map.find(k), k * 10);
  }
  // A key homed in a freed slot must not be found through stale entries.
  EXPECT_EQ(map.find(63), nullptr);
  EXPECT_EQ(map.capacity(), 16u);
  EXPECT_EQ(map.size(), 3u);
}

TEST(FlatMap, EraseLeavesEntriesThatWouldMoveBeforeTheirHome) {
  FlatMap<uint64_t, uint64_t, IdentityHasher> map;
  map.reserve(8);
  ASSERT_EQ(map.capacity(), 16u);
  // 3 and 19 share home 3 (slots 3, 4); 5 and 21 share home 5 (slots 5, 6).
  for (uint64_t k : {3, 19, 5, 21}) map.insert(k, k);
  EXPECT_TRUE(map.erase(3));  // 19 moves back into slot 3; 5 and 21 must stay
  for (uint64_t k : {19, 5, 21}) EXPECT_NE(map.find(k), nullptr) << k;
}

TEST(FlatMap, EraseKeepsShiftingPastAnEntryThatStays) {
  FlatMap<uint64_t, uint64_t, IdentityHasher> map;
  map.reserve(8);
  ASSERT_EQ(map.capacity(), 16u);
  // 3 at slot 3, 4 at its home 4, 35 (home 3) at slot 5.
  for (uint64_t k : {3, 4, 35}) map.insert(k, k);
  EXPECT_TRUE(map.erase(3));  // 4 stays; 35 must still move back into slot 3
  for (uint64_t k : {4, 35}) EXPECT_NE(map.find(k), nullptr) << k;
}

// Random insert/find/erase against std::unordered_map as the reference.
template <class Hasher>
void RunAgainstReference(uint64_t key_space, int ops, uint32_t seed) {
  FlatMap<uint64_t, uint32_t, Hasher> map;
  std::unordered_map<uint64_t, uint32_t> reference;
  std::mt19937_64 rng(seed);
  for (int op = 0; op < ops; ++op) {
    uint64_t key = rng() % key_space;
    switch (rng() % 3) {
      case 0: {
        auto value = static_cast<uint32_t>(rng());
        auto [v, inserted] = map.insert(key, value);
        auto [it, ref_inserted] = reference.emplace(key, value);
        ASSERT_EQ(inserted, ref_inserted);
        ASSERT_EQ(*v, it->second);
        break;
      }
      case 1:
        ASSERT_EQ(map.erase(key), reference.erase(key) == 1) << "op " << op;
        break;
      default: {
        const uint32_t* v = map.find(key);
        auto it = reference.find(key);
        ASSERT_EQ(v != nullptr, it != reference.end()) << "op " << op << " key " << key;
        if (v) {
          ASSERT_EQ(*v, it->second);
        }
      }
    }
    ASSERT_EQ(map.size(), reference.size());
  }
  size_t visited = 0;
  map.for_each([&](uint64_t k, uint32_t v) {
    ++visited;
    auto it = reference.find(k);
    ASSERT_NE(it, reference.end());
    EXPECT_EQ(it->second, v);
  });
  EXPECT_EQ(visited, reference.size());
  for (const auto& [k, v] : reference) {
    const uint32_t* found = map.find(k);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, v);
  }
}

TEST(FlatMap, MatchesUnorderedMapUnderRandomOps) {
  struct MixingHasher {
    uint64_t operator()(uint64_t k) const { return Id128Hasher{}(Id128{k, ~k}); }
  };
  RunAgainstReference<MixingHasher>(20'000, 100'000, 1);
}

TEST(FlatMap, MatchesUnorderedMapWithLongWrappingRuns) {
  RunAgainstReference<ClusteringHasher>(200, 20'000, 2);
}

TEST(FlatMap, MatchesUnorderedMapWithSequentialHomes) {
  RunAgainstReference<IdentityHasher>(5'000, 100'000, 3);
}

TEST(FlatMap, WorksWithMintedIdKeys) {
  SessionMap map;
  std::unordered_map<Id128, uint32_t, StdIdHash> reference;
  std::mt19937 rng(4);
  std::vector<Id128> keys;
  keys.reserve(2'000);
  for (int i = 0; i < 2'000; ++i) keys.push_back(random_id128());
  for (int op = 0; op < 50'000; ++op) {
    const Id128& key = keys[rng() % keys.size()];
    if (rng() % 2) {
      map.insert(key, static_cast<uint32_t>(op));
      reference.emplace(key, static_cast<uint32_t>(op));
    } else {
      ASSERT_EQ(map.erase(key), reference.erase(key) == 1);
    }
  }
  ASSERT_EQ(map.size(), reference.size());
  for (const Id128& key : keys) {
    const uint32_t* v = map.find(key);
    auto it = reference.find(key);
    ASSERT_EQ(v != nullptr, it != reference.end());
    if (v) {
      EXPECT_EQ(*v, it->second);
    }
  }
}

TEST(FlatMap, WorksWithTokenHashKeys) {
  FlatMap<TokenHash, uint32_t, TokenHashHasher> map;
  for (uint32_t i = 0; i < 1000; ++i) map.insert(hash_token("token-" + std::to_string(i)), i);
  EXPECT_EQ(map.size(), 1000u);
  for (uint32_t i = 0; i < 1000; ++i) {
    const uint32_t* v = map.find(hash_token("token-" + std::to_string(i)));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(*v, i);
  }
  EXPECT_EQ(map.find(hash_token("token-1000")), nullptr);
}

TEST(FlatMap, MoveTransfersEntries) {
  SessionMap a;
  a.insert(Id128{1, 1}, 1);
  SessionMap b(std::move(a));
  ASSERT_NE(b.find(Id128{1, 1}), nullptr);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.find(Id128{1, 1}), nullptr);  // NOLINT(bugprone-use-after-move)
  a = std::move(b);
  ASSERT_NE(a.find(Id128{1, 1}), nullptr);
  a.insert(Id128{2, 2}, 2);
  EXPECT_EQ(a.size(), 2u);
}

// Tables of 1 MiB and more are mapped from the kernel: they grow, erase and move like the rest.
TEST(FlatMap, LargeTablesKeepEveryEntryThroughGrowthAndMoves) {
  FlatMap<uint64_t, uint64_t, IdentityHasher> map;
  for (uint64_t k = 0; k < 200'000; ++k) map.insert(k * 7, k);
  ASSERT_GE(map.memory_bytes(), size_t{4} << 20);
  for (uint64_t k = 0; k < 200'000; k += 2) ASSERT_TRUE(map.erase(k * 7));
  FlatMap<uint64_t, uint64_t, IdentityHasher> other;
  for (uint64_t k = 0; k < 100'000; ++k) other.insert(k, k);
  other = std::move(map);  // other's own large table is given back
  EXPECT_EQ(other.size(), 100'000u);
  for (uint64_t k = 0; k < 200'000; ++k) {
    const uint64_t* v = other.find(k * 7);
    if (k % 2) {
      ASSERT_NE(v, nullptr) << k;
      EXPECT_EQ(*v, k);
    } else {
      EXPECT_EQ(v, nullptr) << k;
    }
  }
}

TEST(FlatMap, DuplicateKeysAreToldApartByTheirValues) {
  FlatMap<uint64_t, uint32_t, ClusteringHasher> map;
  for (uint32_t v : {1, 2, 3}) map.insert_duplicate(42, v);
  map.insert_duplicate(43, 9);
  EXPECT_EQ(map.size(), 4u);
  for (uint32_t want : {1, 2, 3}) {
    const uint32_t* found = map.find_if(42, [&](uint32_t v) { return v == want; });
    ASSERT_NE(found, nullptr) << want;
    EXPECT_EQ(*found, want);
  }
  EXPECT_EQ(map.find_if(42, [](uint32_t v) { return v == 9; }), nullptr);

  EXPECT_TRUE(map.erase_entry(42, 2));
  EXPECT_FALSE(map.erase_entry(42, 2));
  EXPECT_FALSE(map.erase_entry(43, 1));
  EXPECT_EQ(map.find_if(42, [](uint32_t v) { return v == 2; }), nullptr);
  for (uint32_t want : {1, 3}) {
    EXPECT_NE(map.find_if(42, [&](uint32_t v) { return v == want; }), nullptr) << want;
  }
  EXPECT_NE(map.find_if(43, [](uint32_t v) { return v == 9; }), nullptr);
  EXPECT_EQ(map.size(), 3u);
}

// Random insert_duplicate/erase_entry/find_if against std::unordered_multimap, with few keys
// so that runs hold many entries of one key.
TEST(FlatMap, DuplicateKeysMatchUnorderedMultimapUnderRandomOps) {
  FlatMap<uint64_t, uint32_t, ClusteringHasher> map;
  std::unordered_multimap<uint64_t, uint32_t> reference;
  std::mt19937_64 rng(5);
  auto in_reference = [&](uint64_t key, uint32_t value) {
    auto [first, last] = reference.equal_range(key);
    for (auto it = first; it != last; ++it) {
      if (it->second == value) return it;
    }
    return reference.end();
  };
  for (int op = 0; op < 50'000; ++op) {
    const uint64_t key = rng() % 50;
    const auto value = static_cast<uint32_t>(rng() % 40);
    switch (rng() % 3) {
      case 0:
        if (in_reference(key, value) == reference.end()) {
          map.insert_duplicate(key, value);
          reference.emplace(key, value);
        }
        break;
      case 1: {
        auto it = in_reference(key, value);
        ASSERT_EQ(map.erase_entry(key, value), it != reference.end()) << "op " << op;
        if (it != reference.end()) reference.erase(it);
        break;
      }
      default: {
        const uint32_t* found = map.find_if(key, [&](uint32_t v) { return v == value; });
        ASSERT_EQ(found != nullptr, in_reference(key, value) != reference.end()) << "op " << op;
      }
    }
    ASSERT_EQ(map.size(), reference.size());
  }
}

}  // namespace
}  // namespace ringside

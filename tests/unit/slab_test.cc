#include "model/slab.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace ringside {
namespace {

// Counts live instances, to check that the slab destroys exactly what it constructed.
struct Tracked {
  static inline int live = 0;
  explicit Tracked(int v) : value(v) { ++live; }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() { --live; }
  int value;
};

struct ThrowsOnNegative {
  explicit ThrowsOnNegative(int v) : value(v) {
    if (v < 0) throw std::invalid_argument("negative");
  }
  int value;
};

TEST(Slab, EmplaceReturnsIndicesThatReachTheElement) {
  Slab<std::string> slab;
  uint32_t a = slab.emplace("alpha");
  uint32_t b = slab.emplace(3, 'b');
  EXPECT_NE(a, b);
  EXPECT_EQ(slab[a], "alpha");
  EXPECT_EQ(slab[b], "bbb");
  EXPECT_EQ(slab.size(), 2u);
  EXPECT_TRUE(slab.contains(a));
  EXPECT_TRUE(slab.contains(b));
  EXPECT_FALSE(slab.contains(12345));
  slab[a] += "!";
  EXPECT_EQ(slab[a], "alpha!");
}

TEST(Slab, ErasedIndexIsReusedLastFreedFirst) {
  Slab<int> slab;
  std::vector<uint32_t> idx;
  idx.reserve(5);
  for (int i = 0; i < 5; ++i) idx.push_back(slab.emplace(i));
  slab.erase(idx[1]);
  slab.erase(idx[3]);
  EXPECT_FALSE(slab.contains(idx[1]));
  EXPECT_FALSE(slab.contains(idx[3]));
  EXPECT_EQ(slab.size(), 3u);

  EXPECT_EQ(slab.emplace(30), idx[3]);
  EXPECT_EQ(slab.emplace(10), idx[1]);
  EXPECT_EQ(slab[idx[3]], 30);
  EXPECT_EQ(slab[idx[1]], 10);
  EXPECT_EQ(slab.size(), 5u);
  // Free list empty again: the next index is new.
  uint32_t fresh = slab.emplace(5);
  for (uint32_t i : idx) EXPECT_NE(fresh, i);
}

TEST(Slab, ElementsNeverMoveWhenTheSlabGrows) {
  Slab<std::string, 64> slab;  // small chunks: growth crosses many chunk boundaries
  std::vector<uint32_t> indices;
  std::vector<const std::string*> addresses;
  for (int i = 0; i < 1000; ++i) {
    indices.push_back(slab.emplace("value-" + std::to_string(i)));
    addresses.push_back(&slab[indices.back()]);
  }
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(&slab[indices[i]], addresses[i]);
    EXPECT_EQ(slab[indices[i]], "value-" + std::to_string(i));
  }
}

TEST(Slab, DestroysElementsOnEraseAndDestruction) {
  Tracked::live = 0;
  {
    Slab<Tracked, 64> slab;
    std::vector<uint32_t> idx;
    idx.reserve(200);
    for (int i = 0; i < 200; ++i) idx.push_back(slab.emplace(i));
    EXPECT_EQ(Tracked::live, 200);
    for (int i = 0; i < 200; i += 2) slab.erase(idx[i]);
    EXPECT_EQ(Tracked::live, 100);
    EXPECT_EQ(slab.size(), 100u);
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(Slab, FailedEmplaceLeavesNoElementAndNoLostIndex) {
  Slab<ThrowsOnNegative> slab;
  uint32_t a = slab.emplace(1);
  EXPECT_THROW(slab.emplace(-1), std::invalid_argument);
  EXPECT_EQ(slab.size(), 1u);
  uint32_t b = slab.emplace(2);
  EXPECT_EQ(b, a + 1);  // the index the failed emplace took was given back
  EXPECT_EQ(slab[a].value, 1);
  EXPECT_EQ(slab[b].value, 2);
}

TEST(Slab, ForEachVisitsLiveElementsInIndexOrder) {
  Slab<int, 64> slab;
  for (int i = 0; i < 300; ++i) slab.emplace(i);
  for (uint32_t i = 0; i < 300; i += 3) slab.erase(i);
  std::vector<uint32_t> seen;
  slab.for_each([&](uint32_t index, int& value) {
    EXPECT_EQ(value, static_cast<int>(index));
    seen.push_back(index);
  });
  ASSERT_EQ(seen.size(), 200u);
  for (size_t k = 1; k < seen.size(); ++k) EXPECT_LT(seen[k - 1], seen[k]);
  for (uint32_t i : seen) EXPECT_NE(i % 3, 0u);

  const auto& const_slab = slab;
  int sum = 0;
  const_slab.for_each([&](uint32_t, const int& value) { sum += value; });
  int expected = 0;
  for (int i = 0; i < 300; ++i) expected += (i % 3 != 0) ? i : 0;
  EXPECT_EQ(sum, expected);
}

TEST(Slab, ForEachMayEraseTheVisitedElement) {
  Tracked::live = 0;
  Slab<Tracked, 64> slab;
  for (int i = 0; i < 500; ++i) slab.emplace(i);
  int visited = 0;
  slab.for_each([&](uint32_t index, Tracked& t) {
    ++visited;
    if (t.value % 2 == 0) slab.erase(index);
  });
  EXPECT_EQ(visited, 500);
  EXPECT_EQ(slab.size(), 250u);
  EXPECT_EQ(Tracked::live, 250);
  slab.for_each([](uint32_t, Tracked& t) { EXPECT_EQ(t.value % 2, 1); });
}

TEST(Slab, MemoryGrowsByWholeChunks) {
  Slab<uint64_t, 64> slab;
  EXPECT_EQ(slab.memory_bytes(), 0u);
  slab.emplace(uint64_t{1});
  size_t one_chunk = slab.memory_bytes();
  EXPECT_GE(one_chunk, sizeof(uint64_t) * 64);
  for (int i = 1; i < 64; ++i) slab.emplace(uint64_t{1});
  EXPECT_EQ(slab.memory_bytes(), one_chunk);  // 64 elements still fit the first chunk
  slab.emplace(uint64_t{1});
  EXPECT_GE(slab.memory_bytes(), sizeof(uint64_t) * 2 * 64);
}

TEST(Slab, MatchesAMapUnderRandomOps) {
  Slab<uint64_t, 64> slab;
  std::map<uint32_t, uint64_t> reference;
  std::mt19937_64 rng(7);
  for (int op = 0; op < 50'000; ++op) {
    if (reference.empty() || rng() % 2) {
      uint64_t v = rng();
      uint32_t index = slab.emplace(v);
      ASSERT_TRUE(reference.emplace(index, v).second) << "index " << index << " handed out twice";
    } else {
      auto it = reference.begin();
      std::advance(it, static_cast<long>(rng() % reference.size()));
      slab.erase(it->first);
      ASSERT_FALSE(slab.contains(it->first));
      reference.erase(it);
    }
    ASSERT_EQ(slab.size(), reference.size());
  }
  auto it = reference.begin();
  slab.for_each([&](uint32_t index, uint64_t value) {
    ASSERT_NE(it, reference.end());
    EXPECT_EQ(index, it->first);
    EXPECT_EQ(value, it->second);
    ++it;
  });
  EXPECT_EQ(it, reference.end());
}

TEST(Slab, MoveTransfersElements) {
  Tracked::live = 0;
  Slab<Tracked, 64> a;
  uint32_t i = a.emplace(42);
  Slab<Tracked, 64> b(std::move(a));
  EXPECT_EQ(b[i].value, 42);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from slab is empty
  Slab<Tracked, 64> c;
  c.emplace(1);
  c = std::move(b);
  EXPECT_EQ(c[i].value, 42);
  EXPECT_EQ(Tracked::live, 1);  // c's own element was destroyed on assignment
}

}  // namespace
}  // namespace ringside

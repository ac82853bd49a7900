// The session store's player index under crafted std::hash collisions: player ids come from the
// network, and libstdc++'s std::hash<std::string_view> (MurmurHash64A-like, fixed seed) is
// invertible, so anybody can choose ids with whatever hash they like. Erasing one player must
// leave every other player reachable, or a later request creates a second copy of a player
// (and a second active session becomes possible).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "model/ids.h"
#include "model/partition.h"
#include "store/session_store.h"

namespace ringside {
namespace {

#if defined(__GLIBCXX__) && UINTPTR_MAX == UINT64_MAX

// libstdc++'s _Hash_bytes for 64-bit size_t (libstdc++-v3/libsupc++/hash_bytes.cc), seed
// 0xc70f6907, for a length that is a multiple of 8. Every step is a bijection of the state.
constexpr uint64_t kMul = (uint64_t{0xc6a4a793} << 32) + 0x5bd1e995;
constexpr uint64_t kSeed = 0xc70f6907;

constexpr uint64_t shift_mix(uint64_t v) { return v ^ (v >> 47); }  // its own inverse

constexpr uint64_t inverse(uint64_t odd) {
  uint64_t inv = odd;
  for (int i = 0; i < 6; ++i) inv *= 2 - odd * inv;  // Newton: doubles the correct bits
  return inv;
}
constexpr uint64_t kMulInv = inverse(kMul);
static_assert(kMul * kMulInv == 1);

uint64_t mix_block(uint64_t block) { return shift_mix(block * kMul) * kMul; }
uint64_t unmix_block(uint64_t data) { return shift_mix(data * kMulInv) * kMulInv; }

// A 16-byte id whose std::hash is `target`: the first 8 bytes are `prefix`, the last 8 solved.
std::string id_with_hash(uint64_t target, uint64_t prefix) {
  const uint64_t after_blocks = shift_mix(shift_mix(target) * kMulInv);  // undo the finish
  const uint64_t after_first = ((kSeed ^ (16 * kMul)) ^ mix_block(prefix)) * kMul;
  const uint64_t second = unmix_block((after_blocks * kMulInv) ^ after_first);
  std::string id(16, '\0');
  std::memcpy(id.data(), &prefix, 8);
  std::memcpy(id.data() + 8, &second, 8);
  return id;
}

uint64_t std_hash(std::string_view id) { return std::hash<std::string_view>{}(id); }

// An id with the given hash whose partition is none of `taken`'s.
std::string id_with_hash_outside(uint64_t target, std::initializer_list<uint16_t> taken) {
  for (uint64_t prefix = 1;; ++prefix) {
    std::string id = id_with_hash(target, prefix);
    const uint16_t p = partition_of_player(id);
    if (std::find(taken.begin(), taken.end(), p) == taken.end()) return id;
  }
}

void ignore_idle(void*, uint32_t, EndReason) {}

class PlayerIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string probe = id_with_hash(0x0123456789abcdefULL, 42);
    ASSERT_EQ(std_hash(probe), 0x0123456789abcdefULL)
        << "the crafted collisions assume libstdc++'s std::hash<std::string_view>";
  }

  Clock clock_;
  TimerWheel wheel_{100, 4096, 0};
  SessionStore store_{wheel_, clock_, 60'000, &ignore_idle, nullptr};
};

// Three players whose ids hash alike, each in its own partition: dropping the middle one's
// partition leaves the other two where they were.
TEST_F(PlayerIndexTest, PlayersWithTheSameHashSurviveTheEraseOfOne) {
  const std::string a = "player-a";
  const uint64_t h = std_hash(a);
  const std::string b = id_with_hash_outside(h, {partition_of_player(a)});
  const std::string c = id_with_hash_outside(h, {partition_of_player(a), partition_of_player(b)});
  ASSERT_EQ(std_hash(b), h);
  ASSERT_EQ(std_hash(c), h);

  const uint32_t ia = store_.find_or_add_player(a);
  store_.find_or_add_player(b);
  const uint32_t ic = store_.find_or_add_player(c);
  EXPECT_EQ(store_.player_count(), 3u);

  EXPECT_EQ(store_.drop_partition(partition_of_player(b), [](const GameSession&) {}), 1u);
  EXPECT_EQ(store_.find_or_add_player(a), ia);
  EXPECT_EQ(store_.find_or_add_player(c), ic);
  EXPECT_EQ(store_.player_count(), 2u);
  EXPECT_EQ(store_.player(store_.find_or_add_player(b)).id, b);  // b comes back as new
  EXPECT_EQ(store_.player_count(), 3u);
}

// Ids whose hashes differ by the golden-ratio step (0x9e37...) a salted probe sequence would
// take: a twin of "player-a" and a foreign id between them. Erasing "player-a" must leave both
// reachable, the twin with its active session (no second copy of the player).
TEST_F(PlayerIndexTest, AnEraseDoesNotStrandAPlayerBehindAForeignEntry) {
  const std::string a = "player-a";
  const uint64_t h = std_hash(a);
  const std::string foreign =
      id_with_hash_outside(h + 0x9e3779b97f4a7c15ULL, {partition_of_player(a)});
  const std::string twin =
      id_with_hash_outside(h, {partition_of_player(a), partition_of_player(foreign)});

  store_.find_or_add_player(a);
  const uint32_t i_foreign = store_.find_or_add_player(foreign);
  const uint32_t i_twin = store_.find_or_add_player(twin);
  const uint32_t session = store_.create(i_twin, 1, random_id128(), IdOwner{});

  EXPECT_EQ(store_.drop_partition(partition_of_player(a), [](const GameSession&) {}), 1u);
  EXPECT_EQ(store_.find_or_add_player(twin), i_twin);
  EXPECT_EQ(store_.player(store_.find_or_add_player(twin)).active, session);
  EXPECT_EQ(store_.find_or_add_player(foreign), i_foreign);
  EXPECT_EQ(store_.player_count(), 2u);
}

#endif

}  // namespace
}  // namespace ringside

// Placement takes a decoded message as input of unknown origin: a PlaceSession or StopSession
// not from a shard, or about a session its sender does not own, is refused (counted and logged
// as malformed) and changes nothing — placement never answers a thread that did not ask.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "placement_fixture.h"

namespace ringside::placement_testing {
namespace {

// Two shards, the I/O core, and one more thread that is not a shard.
constexpr uint32_t kShardA = 0;
constexpr uint32_t kShardB = 1;
constexpr uint32_t kIoCore = 2;
constexpr uint32_t kStranger = 3;

Config two_shards() {
  Config c = test_config();
  c.shards = 2;
  return c;
}

class PlacementRefusalTest : public ::testing::Test {
 protected:
  PlacementRefusalTest() {
    sim_ = std::make_unique<SimBackend>(
        runtime_.servers, sim_options(), wheel_, [this] { return now_; }, placement_);
    placement_.attach(*sim_);
  }

  PlaceSession place_message(uint64_t n, uint16_t owner) const {
    PlaceSession m;
    m.session = session_id(n);
    m.save_slot = {0x510, n};
    m.game = kAlpha;
    m.owner_shard = owner;
    m.player_id = "player-1";
    return m;
  }

  // Sends `m` from thread `from` to placement; true if placement took it as well-formed.
  template <class T>
  bool deliver(uint32_t from, const T& m) {
    const uint64_t malformed = io_.malformed_total();
    threads_[from]->send(kIoCore, m);
    EXPECT_EQ(io_.dispatch(1000), 1u);
    return io_.malformed_total() == malformed;
  }

  // How many messages thread `to` received since the last call.
  size_t received(uint32_t to) {
    return threads_[to]->drain([](uint32_t, uint16_t, const void*, uint32_t) {}, 1000);
  }

  void advance(uint64_t ms) {
    now_ += ms;
    wheel_.advance(now_);
  }

  uint64_t now_ = 500'000;
  TimerWheel wheel_{10, 64, now_};
  Process process_{two_shards(), test_catalog(), test_fleet(), TokenMinter::random_secret()};
  const Runtime& runtime_ = process_.runtime();
  IoHandOff io_hand_ = process_.io();
  MessageBus bus_{4, 64 * 1024};
  Mailbox shard_a_{bus_, kShardA};
  Mailbox shard_b_{bus_, kShardB};
  Mailbox io_{bus_, kIoCore};
  Mailbox stranger_{bus_, kStranger};
  Mailbox* threads_[4] = {&shard_a_, &shard_b_, &io_, &stranger_};
  SessionPlacement placement_{runtime_, io_hand_.placement_metrics, io_hand_.launches_accepted, io_,
                              wheel_,   [this] { return now_; }};
  std::unique_ptr<SimBackend> sim_;
};

TEST_F(PlacementRefusalTest, PlaceSessionNamingAnotherOwnerIsRefused) {
  EXPECT_FALSE(deliver(kShardB, place_message(1, kShardA)));
  EXPECT_FALSE(deliver(kStranger, place_message(2, kStranger)));  // not a shard at all
  EXPECT_FALSE(deliver(kShardA, place_message(3, kStranger)));
  EXPECT_EQ(placement_.active(), 0u);
  EXPECT_EQ(placement_.scheduler().server(0).slots_used, 0u);
  advance(kStartMs);
  for (uint32_t t : {kShardA, kShardB, kStranger}) EXPECT_EQ(received(t), 0u) << t;

  EXPECT_TRUE(deliver(kShardB, place_message(4, kShardB)));  // its own: placed
  EXPECT_EQ(placement_.active(), 1u);
  advance(kStartMs);
  EXPECT_EQ(received(kShardB), 2u);  // phase creating, then running
  EXPECT_EQ(received(kShardA), 0u);
}

TEST_F(PlacementRefusalTest, StopNotFromTheOwnerIsRefused) {
  ASSERT_TRUE(deliver(kShardA, place_message(1, kShardA)));
  advance(kStartMs);
  ASSERT_EQ(received(kShardA), 2u);  // phase creating, then running

  EXPECT_FALSE(deliver(kShardB, StopSession{session_id(1)}));
  EXPECT_FALSE(deliver(kStranger, StopSession{session_id(1)}));
  EXPECT_FALSE(deliver(kStranger, StopSession{session_id(2)}));  // unknown: not answered either
  advance(0);
  for (uint32_t t : {kShardA, kShardB, kStranger}) EXPECT_EQ(received(t), 0u) << t;
  EXPECT_EQ(placement_.active(), 1u);

  EXPECT_TRUE(deliver(kShardA, StopSession{session_id(1)}));
  advance(0);
  EXPECT_EQ(received(kShardA), 1u);  // stopped
}

}  // namespace
}  // namespace ringside::placement_testing

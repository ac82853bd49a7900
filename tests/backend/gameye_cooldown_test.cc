// A location that answered 420 cools down (GameyeOptions::refused_cooldown_ms): it refuses
// launches as far as placement is concerned (up all the same), so launches go elsewhere or wait in
// the queue instead of each meeting the same 420, a backoff and a move in turn, and failed starts
// pass it over; afterwards it takes launches again. Against the stand-in, with placement in front
// of the backend as in ringside.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "app/fleet.h"
#include "app/process.h"
#include "backend/gameye_fixture.h"
#include "core/mailbox.h"
#include "model/messages.h"
#include "sched/session_placement.h"

namespace ringside::gameye_test {
namespace {

constexpr uint32_t kCoolDownMs = 2000;
constexpr uint32_t kShard = 0;  // thread 0 plays the owner shard; thread 1 is the I/O core
constexpr uint32_t kIo = 1;

Catalog one_game() {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(
      R"({"games": [{"slug": "tlon-uqbar", "title": "Tlon", "image": "nginx:1.27",
                     "sizeMb": 100, "cpuCores": 1.0, "memoryMb": 1000}]})",
      &error);
  EXPECT_TRUE(c.has_value()) << error;
  return c ? std::move(*c) : Catalog::demo();
}

class GameyeCoolDownTest : public GameyeBackendTest {
 protected:
  // Placement over europe and us-east, `slots` sessions each, and the backend behind it.
  void build(uint32_t slots) {
    Config c;
    c.shards = 1;
    c.backend = "gameye";
    c.gameye_url = standin_.base_url();
    c.gameye_locations = {"europe", "us-east"};
    c.gameye_slots_per_location = slots;
    process_ =
        std::make_unique<Process>(c, one_game(), make_fleet(c), TokenMinter::random_secret());
    io_hand_ = std::make_unique<IoHandOff>(process_->io());
    io_ = std::make_unique<Mailbox>(io_hand_->bus, kIo);
    shard_ = std::make_unique<Mailbox>(io_hand_->bus, kShard);
    Reactor& reactor = driver_.reactor();
    placement_ = std::make_unique<SessionPlacement>(
        process_->runtime(), io_hand_->placement_metrics, io_hand_->launches_accepted, *io_,
        reactor.timers(), [&reactor] { return reactor.now_ms(); });
    GameyeOptions o = options();
    o.refused_cooldown_ms = kCoolDownMs;
    backend_ = std::make_unique<GameyeBackend>(
        process_->runtime().servers, std::move(o), http_, reactor.timers(),
        [&reactor] { return reactor.now_ms(); }, *placement_, metrics_);
    placement_->attach(*backend_);
  }

  // What a shard sends when a player launches.
  void launch(const TestSession& s) {
    const std::string_view player = "player-1";
    PlaceSession m;
    m.session = s.id;
    m.save_slot = Id128{7, s.id.lo};
    m.game = 0;
    m.owner_shard = kShard;
    m.fresh_slot = true;
    m.player_id = player;
    shard_->send(kIo, m);
    ASSERT_EQ(io_->dispatch(1000), 1u);  // placement takes it
    ASSERT_EQ(io_->malformed_total(), 0u);
  }

  // Whether the shard has heard that `s` runs (reading what placement sent it so far).
  bool runs(const TestSession& s) {
    shard_->drain(
        [&](uint32_t, uint16_t kind, const void* payload, uint32_t len) {
          if (kind != kMsgSessionRunning) return;
          SessionRunning m;
          ASSERT_TRUE(decode_message(payload, len, &m));
          running_.insert(m.session);
        },
        1000);
    return running_.count(s.id) != 0;
  }

  bool takes_launches(uint32_t server) const {
    return placement_->scheduler().server(server).takes_launches();
  }
  bool up(uint32_t server) const { return placement_->scheduler().server(server).up; }

  std::unique_ptr<Process> process_;
  std::unique_ptr<IoHandOff> io_hand_;
  std::unique_ptr<Mailbox> io_;
  std::unique_ptr<Mailbox> shard_;
  std::unique_ptr<SessionPlacement> placement_;
  std::unique_ptr<GameyeBackend> backend_;  // destroyed first: it reports to placement_
  std::unordered_set<Id128, Id128Hasher> running_;
};

TEST_F(GameyeCoolDownTest, ALocationThatRefusedTakesNoLaunchUntilItsCoolDownEnds) {
  ASSERT_TRUE(start_standin({"--fail-first", "1"}));  // the first launch gets 420
  build(/*slots=*/2);
  TestSession first, second, third;
  const auto launched = std::chrono::steady_clock::now();
  launch(first);  // both empty: europe, the lowest index; refused there, run in us-east
  ASSERT_TRUE(driver_.run_until([&] { return runs(first); }));
  EXPECT_EQ(location_at_gameye(first.uuid(0)), "europe");
  EXPECT_EQ(location_at_gameye(first.uuid(1)), "us-east");
  EXPECT_FALSE(takes_launches(0));
  EXPECT_TRUE(up(0));  // refusing is not down: /readyz and ringside_game_server_up unmoved

  // Europe is the emptier location, but it just refused: the next launch goes to us-east.
  launch(second);
  ASSERT_TRUE(driver_.run_until([&] { return runs(second); }));
  EXPECT_EQ(location_at_gameye(second.uuid(0)), "us-east");
  EXPECT_EQ(launches_of(second.uuid(1)), 0u);  // not moved: no 420 on the way
  EXPECT_EQ(posts("420"), 1u);

  // Us-east is full: the third launch waits in the queue for europe's cool-down to end, and
  // then runs there.
  launch(third);
  EXPECT_EQ(placement_->queued(), 1u);
  ASSERT_TRUE(driver_.run_until([&] { return runs(third); }));
  EXPECT_GE(std::chrono::steady_clock::now() - launched, std::chrono::milliseconds(kCoolDownMs));
  EXPECT_EQ(location_at_gameye(third.uuid(0)), "europe");
  EXPECT_EQ(status_of(third.uuid(0)), "running");
  EXPECT_TRUE(takes_launches(0));
  EXPECT_EQ(posts("420"), 1u);
  EXPECT_EQ(posts("200"), 3u);
}

// A failed start does not move to a location that is cooling down either: with the others
// full, the launch ends no_servers rather than meet that location's 420 again.
TEST_F(GameyeBackendTest, AFailedStartPassesOverALocationCoolingDown) {
  ASSERT_TRUE(start_standin(
      {"--locations", "europe,us-east,asia", "--fail-first", "1", "--full-locations", "asia"}));
  GameyeOptions o = options();
  o.locations = {"europe", "us-east", "asia"};
  o.refused_cooldown_ms = kCoolDownMs;
  auto backend = make(o, /*slots=*/1);
  TestSession cooled, s;
  PlacedSession first = cooled.spec();
  first.server = 1;
  backend->start(first);  // us-east refuses (--fail-first), asia is full: it runs in europe
  ASSERT_TRUE(settle(cooled));
  ASSERT_TRUE(events_.has_running(cooled.id)) << events_.describe();
  EXPECT_EQ(events_.server_refusing(1), true);
  EXPECT_EQ(events_.server_refusing(2), true);
  PlacedSession in_asia = s.spec();
  in_asia.server = 2;
  backend->start(in_asia);  // asia refuses; europe has no room; us-east cools down
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kNoServers);
  EXPECT_TRUE(events_.relocations(s.id).empty());
  EXPECT_EQ(launches_of(s.uuid(1)), 0u);
  // Once cooled down, both take launches again.
  ASSERT_TRUE(driver_.run_until([&] { return events_.server_refusing(1) == false; },
                                std::chrono::milliseconds(kCoolDownMs + 2000)));
  ASSERT_TRUE(driver_.run_until([&] { return events_.server_refusing(2) == false; },
                                std::chrono::milliseconds(kCoolDownMs + 2000)));
  EXPECT_EQ(events_.server_refusing(0), std::nullopt);  // europe never refused
  // A capacity answer is not an outage: no location was ever reported down (readiness and
  // ringside_game_server_up follow health only).
  for (uint32_t server : {0u, 1u, 2u}) EXPECT_EQ(events_.server_up(server), std::nullopt);
}

}  // namespace
}  // namespace ringside::gameye_test

#pragma once
// The fixture of the placement tests (placement_test.cc, placement_profile_test.cc): a
// SessionPlacement between a simulated fleet and the mailboxes of one owner shard and the I/O
// core, on a timer wheel the test moves by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/process.h"
#include "backends/sim/sim_backend.h"
#include "model/messages.h"
#include "sched/session_placement.h"

namespace ringside::placement_testing {

constexpr uint32_t kPullMs = 1000;
constexpr uint32_t kStartMs = 200;
constexpr uint32_t kQueueTimeoutMs = 30'000;
constexpr uint64_t kTenMinutesMs = 600'000;  // a sample of full weight
constexpr uint32_t kShard = 0;        // thread 0 plays the owner shard; thread 1 is the I/O core
constexpr uint16_t kPartition = 517;  // what the ids of placed sessions name
constexpr uint32_t kIo = 1;
constexpr uint32_t kAlpha = 0;  // games by catalog index
constexpr uint32_t kBeta = 1;

inline Catalog test_catalog() {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(
      R"({"games": [
        {"slug": "alpha", "title": "Alpha", "image": "registry.test/alpha:1", "sizeMb": 100,
         "cpuCores": 1.0, "memoryMb": 1000},
        {"slug": "beta", "title": "Beta", "image": "registry.test/beta:1", "sizeMb": 100,
         "cpuCores": 1.0, "memoryMb": 1000}]})",
      &error);
  EXPECT_TRUE(c.has_value()) << error;
  return c ? std::move(*c) : Catalog::demo();
}

// `count` servers (gs01, gs02, ...), each with room for two sessions.
inline std::vector<GameServerInfo> test_fleet(uint32_t count = 1) {
  std::vector<GameServerInfo> fleet;
  for (uint32_t i = 1; i <= count; ++i) {
    GameServerInfo s;
    s.name = "gs0" + std::to_string(i);
    s.url_base = "https://" + s.name + ".test";
    s.cpu_millicores = 8000;
    s.memory_mb = 16000;
    s.slots = 2;
    fleet.push_back(s);
  }
  return fleet;
}

inline Config test_config() {
  Config c;
  c.shards = 1;
  c.launch_queue = 2;
  c.launch_queue_timeout_s = kQueueTimeoutMs / 1000.0;
  return c;
}

inline SimOptions sim_options() {
  SimOptions o;
  o.pull_ms = kPullMs;
  o.start_ms = kStartMs;
  o.session_cpu_cores = 0.5;
  o.session_memory_mb = 768;
  o.preloaded_images = {"registry.test/alpha:1"};
  return o;
}

inline Id128 session_id(uint64_t n) { return {0xabc, n}; }

// Session n of alpha on the server, as the store had it at a restart.
inline ActiveSession recovered(uint64_t n, SessionStatus status) {
  ActiveSession a;
  a.session.id = session_id(n);
  a.session.player_id = "player-1";
  a.session.game = kAlpha;
  a.session.server = 0;
  a.session.has_server = true;
  a.session.status = status;
  // A starting row names its server from phase creating on (a status write records it then).
  if (status == SessionStatus::kStarting) a.session.phase = StartPhase::kCreating;
  a.owner_shard = kShard;
  return a;
}

// A backend that does nothing by itself: the test reports its events to placement. It keeps
// what it was given.
class SilentBackend final : public Backend {
 public:
  std::string_view name() const override { return "silent"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  bool has_image(uint32_t, std::string_view) const override { return false; }
  void start(PlacedSession session) override { started.push_back(std::move(session)); }
  void stop(const Id128&) override {}
  void recover(std::vector<PlacedSession> sessions) override { recovered = std::move(sessions); }
  void forget(const Id128& session) override { forgotten.push_back(session); }
  bool recovers_unplaced_starts() const override { return finds_unplaced; }

  std::vector<PlacedSession> started;
  std::vector<PlacedSession> recovered;
  std::vector<Id128> forgotten;
  bool finds_unplaced = false;

 private:
  std::vector<GameServerInfo> servers_;
};

// A message the I/O core sent to the shard.
struct Sent {
  uint16_t kind;
  std::vector<char> payload;

  template <class T>
  T as() const {
    T t;
    EXPECT_EQ(kind, T::kKind);
    EXPECT_TRUE(decode_message(payload.data(), static_cast<uint32_t>(payload.size()), &t));
    return t;
  }
};

class PlacementTest : public ::testing::Test {
 protected:
  explicit PlacementTest(std::vector<GameServerInfo> fleet = test_fleet(),
                         Catalog catalog = test_catalog())
      : process_{test_config(), std::move(catalog), std::move(fleet),
                 TokenMinter::random_secret()} {
    use_backend(sim_options());
  }

  void use_backend(SimOptions o) {
    sim_ = std::make_unique<SimBackend>(
        runtime_.servers, std::move(o), wheel_, [this] { return now_; }, placement_);
    placement_.attach(*sim_);
  }

  void advance(uint64_t ms) {
    now_ += ms;
    wheel_.advance(now_);
  }

  void place(uint64_t n, uint32_t game = kAlpha, std::string_view player = "player-1") {
    PlaceSession m;
    m.session = session_id(n);
    m.save_slot = {0x510, n};
    m.game = game;
    m.owner_shard = kShard;
    m.session_owner = IdOwner::partition(kPartition);
    m.slot_owner = IdOwner::partition(kPartition);
    m.fresh_slot = true;
    m.player_id = player;
    deliver(m);
  }

  void stop(uint64_t n) { deliver(StopSession{session_id(n)}); }

  // Sends `m` from the shard to the I/O core's mailbox, where placement handles it (taken as
  // well-formed: not dropped as malformed).
  template <class T>
  void deliver(const T& m) {
    shard_.send(kIo, m);
    ASSERT_EQ(io_.dispatch(1000), 1u);
    ASSERT_EQ(io_.malformed_total(), 0u);
  }

  // Everything the shard received since the last call, read from its inbound ring.
  std::vector<Sent> received() {
    std::vector<Sent> out;
    shard_.drain(
        [&](uint32_t, uint16_t kind, const void* payload, uint32_t len) {
          const auto* p = static_cast<const char*>(payload);
          out.push_back({kind, std::vector<char>(p, p + len)});
        },
        1000);
    return out;
  }

  // Places session n and lets it reach running.
  void place_running(uint64_t n) {
    place(n);
    advance(kStartMs);
    const std::vector<Sent> got = received();
    ASSERT_FALSE(got.empty());
    ASSERT_EQ(got.back().kind, kMsgSessionRunning);
  }

  const ServerState& server(uint32_t index = 0) const {
    return placement_.scheduler().server(index);
  }

  void expect_nothing_reserved() const {
    EXPECT_EQ(server().cpu_reserved_millicores, 0u);
    EXPECT_EQ(server().memory_reserved_mb, 0u);
    EXPECT_EQ(server().slots_used, 0u);
  }

  uint64_t now_ = 500'000;
  TimerWheel wheel_{10, 64, now_};
  Process process_;
  const Runtime& runtime_ = process_.runtime();
  IoHandOff io_hand_ = process_.io();
  Mailbox io_{io_hand_.bus, kIo};
  Mailbox shard_{io_hand_.bus, kShard};
  SessionPlacement placement_{runtime_, io_hand_.placement_metrics, io_hand_.launches_accepted, io_,
                              wheel_,   [this] { return now_; }};
  std::unique_ptr<SimBackend> sim_;
};

}  // namespace ringside::placement_testing

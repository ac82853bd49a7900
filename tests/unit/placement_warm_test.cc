// Warm pools in placement (docs/warm-pools.md "Placement"): a game's pool is filled on its
// servers, a launch takes a warm container and is running as a warm start, the pool refills off
// the launch's call but never while a launch waits, and a warm container gives way to a queued
// launch; a warm container that is gone is replaced (after a pause when it could not be made),
// a cordon, a down server and an image change retire them, and one found after a restart is
// adopted when its game still wants it.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/placement_fixture.h"

namespace ringside::placement_testing {
namespace {

// alpha (preloaded on the sim's servers) with `alpha_pool`, beta without a pool.
Catalog warm_catalog(const std::string& alpha_pool, const std::string& alpha_image = "1") {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(
      R"({"games": [
        {"slug": "alpha", "title": "Alpha", "image": "registry.test/alpha:)" +
          alpha_image + R"(", "sizeMb": 100, "cpuCores": 1.0, "memoryMb": 1000, "warmPool": )" +
          alpha_pool + R"(},
        {"slug": "beta", "title": "Beta", "image": "registry.test/beta:1", "sizeMb": 100,
         "cpuCores": 1.0, "memoryMb": 1000}]})",
      &error);
  EXPECT_TRUE(c.has_value()) << error;
  return c ? std::move(*c) : Catalog::demo();
}

// `count` servers of `slots` slots, room for every session they take.
std::vector<GameServerInfo> roomy_fleet(uint32_t count, uint32_t slots) {
  std::vector<GameServerInfo> fleet = test_fleet(count);
  for (GameServerInfo& s : fleet) {
    s.slots = slots;
    s.cpu_millicores = slots * 1000;
    s.memory_mb = slots * 1000;
  }
  return fleet;
}

// A backend whose warm containers do what the test says: it records what placement asked.
class WarmRecorder final : public Backend {
 public:
  explicit WarmRecorder(std::vector<GameServerInfo> servers) : servers_(std::move(servers)) {}
  std::string_view name() const override { return "recorder"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  bool has_image(uint32_t, std::string_view) const override { return false; }
  void start(PlacedSession session) override {
    std::erase_if(live, [&](const auto& l) { return l.first == session.session; });
    live.emplace_back(session.session, session.server);
    started.push_back(std::move(session));
    if (on_start) on_start(started.back());
  }
  void stop(const Id128&) override {}
  void recover(std::vector<PlacedSession>) override {}
  void forget(const Id128&) override {}
  bool supports_warm() const override { return true; }
  void warm_create(WarmContainer warm) override { created.push_back(std::move(warm)); }
  void warm_retire(uint64_t warm) override { retired.push_back(warm); }
  void forget_warm(uint64_t warm) override { forgotten.push_back(warm); }
  void prefetch(uint32_t server, std::string_view image) override {
    prefetched.emplace_back(server, std::string(image));
  }

  std::vector<PlacedSession> started;
  std::vector<WarmContainer> created;
  std::vector<uint64_t> retired;
  std::vector<uint64_t> forgotten;
  std::vector<std::pair<uint32_t, std::string>> prefetched;
  // Sessions started and not given back (gone()), with their server.
  std::vector<std::pair<Id128, uint32_t>> live;
  std::function<void(const PlacedSession&)> on_start;  // after it is recorded

  // The session's start left nothing (reported on_no_room, or stopped).
  void gone(const Id128& session) {
    std::erase_if(live, [&](const auto& l) { return l.first == session; });
  }

  // What runs on `server` as this backend holds it: sessions and warm containers neither
  // retired, forgotten nor taken.
  uint32_t holds(uint32_t server) const {
    uint32_t n = 0;
    for (const auto& l : live) n += l.second == server ? 1 : 0;
    for (const WarmContainer& w : created) {
      const auto is = [&](uint64_t id) { return id == w.warm; };
      const bool taken = std::any_of(started.begin(), started.end(),
                                     [&](const PlacedSession& p) { return p.warm == w.warm; });
      if (w.server == server && std::none_of(retired.begin(), retired.end(), is) &&
          std::none_of(forgotten.begin(), forgotten.end(), is) && !taken) {
        ++n;
      }
    }
    return n;
  }

 private:
  std::vector<GameServerInfo> servers_;
};

class PlacementWarmTest : public PlacementTest {
 protected:
  explicit PlacementWarmTest(uint32_t servers = 2, const std::string& pool = "2")
      : PlacementWarmTest(test_fleet(servers), pool) {}
  PlacementWarmTest(std::vector<GameServerInfo> fleet, const std::string& pool)
      : PlacementTest(std::move(fleet), warm_catalog(pool)) {}

  // Moves the clock in steps, so that the 1 s tick re-armed on the way fires too.
  void run_for(uint64_t ms) {
    for (uint64_t done = 0; done < ms; done += 100) advance(100);
  }

  uint32_t warm_ready_gauge(uint32_t game) {
    uint64_t sum = 0;
    for (uint32_t s = 0; s < runtime_.servers.size(); ++s) {
      sum += io_hand_.placement_metrics.warm_ready(game, s).get();
    }
    return static_cast<uint32_t>(sum);
  }

  // The SessionRunning the shard got for session n, if any.
  std::optional<SessionRunning> running(const std::vector<Sent>& got, uint64_t n) {
    for (const Sent& s : got) {
      if (s.kind != kMsgSessionRunning) continue;
      const SessionRunning m = s.as<SessionRunning>();
      if (m.session == session_id(n)) return m;
    }
    return std::nullopt;
  }

  std::string server_json(uint32_t server) {
    ByteBuffer out;
    JsonWriter w(out);
    placement_.write_server_json(w, server);
    return std::string(out.view());
  }

  // Uses a WarmRecorder instead of the sim (before anything ran: the sim was asked nothing).
  WarmRecorder& record() {
    recorder_ = std::make_unique<WarmRecorder>(runtime_.servers);
    placement_.attach(*recorder_);
    return *recorder_;
  }

  std::unique_ptr<WarmRecorder> recorder_;
};

TEST_F(PlacementWarmTest, ThePoolIsFilledOnTheServersAndHoldsTheirCapacity) {
  advance(0);  // the refill runs from its timer
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 2u);
  EXPECT_EQ(sim_->warm_count(), 2u);
  EXPECT_EQ(server(0).slots_used + server(1).slots_used, 2u);  // spread, a slot each
  EXPECT_EQ(warm_ready_gauge(kAlpha), 0u);                     // being created

  advance(kStartMs);
  EXPECT_EQ(placement_.warm_pool().ready(kAlpha), 2u);
  EXPECT_EQ(warm_ready_gauge(kAlpha), 2u);
  EXPECT_NE(server_json(0).find(R"("warm":1)"), std::string::npos) << server_json(0);
  EXPECT_TRUE(received().empty());  // nothing for any shard: no session is involved

  run_for(5'000);  // full: nothing more is made
  EXPECT_EQ(sim_->warm_count(), 2u);
}

TEST_F(PlacementWarmTest, ALaunchTakesAWarmContainerRunsAsAWarmStartAndThePoolRefills) {
  advance(0);
  advance(kStartMs);
  ASSERT_EQ(placement_.warm_pool().ready(kAlpha), 2u);

  place(1);
  // Nothing is made inside the launch's call: the refill runs from its timer.
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
  EXPECT_EQ(sim_->warm_count(), 1u);
  advance(0);  // the take's running comes from the sim's timer, at once
  const std::vector<Sent> got = received();
  const std::optional<SessionRunning> r = running(got, 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->start_kind, StartKind::kWarm);
  for (const Sent& s : got) EXPECT_NE(s.kind, kMsgSessionPhase);  // no pull, no create
  EXPECT_EQ(io_hand_.placement_metrics.started_warm.get(), 1u);
  // The launch holds the warm container's slot; the pool makes another one.
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 2u);
  EXPECT_EQ(placement_.warm_pool().ready(kAlpha), 1u);
  EXPECT_EQ(server(0).slots_used + server(1).slots_used, 3u);
  advance(kStartMs);
  EXPECT_EQ(placement_.warm_pool().ready(kAlpha), 2u);

  // A game without a pool starts cold: cached (beta pulled first, alpha's image is there).
  place(2, kBeta);
  run_for(kPullMs + kStartMs + 100);
  const std::optional<SessionRunning> cold = running(received(), 2);
  ASSERT_TRUE(cold.has_value());
  EXPECT_EQ(cold->start_kind, StartKind::kPulled);
  EXPECT_EQ(io_hand_.placement_metrics.started_pulled.get(), 1u);
}

TEST_F(PlacementWarmTest, AWarmContainerGivesWayToAQueuedLaunchOfAnotherGame) {
  // Two servers of two slots: two launches and two warm containers fill them.
  advance(0);
  advance(kStartMs);
  place(1, kBeta);
  place(2, kBeta);
  run_for(kPullMs + kStartMs + 100);
  EXPECT_TRUE(running(received(), 2).has_value());
  ASSERT_EQ(placement_.warm_pool().held(kAlpha), 2u);

  // A third launch fits nowhere but in a warm container's room: one is retired for it, and it
  // is placed within its own call, never waiting for the pool.
  place(3, kBeta);
  EXPECT_EQ(placement_.queued(), 0u);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
  EXPECT_EQ(sim_->warm_count(), 1u);
  run_for(kPullMs + kStartMs + 100);
  EXPECT_TRUE(running(received(), 3).has_value());
  // No room is left: the pool stays one short.
  run_for(3'000);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
}

class PlacementWarmOneServerTest : public PlacementWarmTest {
 protected:
  PlacementWarmOneServerTest() : PlacementWarmTest(1, "1") {}
};

TEST_F(PlacementWarmOneServerTest, NothingIsMadeWhileALaunchIsQueued) {
  advance(0);
  advance(kStartMs);
  place(1);  // takes the warm one
  advance(0);
  place(2, kBeta);  // the other slot
  place(3, kBeta);  // queued: no warm container holds room
  EXPECT_EQ(placement_.queued(), 1u);
  run_for(5'000);
  // A slot frees nowhere, and the pool is one short, yet nothing is made while 3 waits.
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);
  EXPECT_EQ(sim_->warm_count(), 0u);

  stop(1);  // its room goes to the queued launch
  advance(0);
  EXPECT_EQ(placement_.queued(), 0u);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);  // and none is left for the pool
  stop(2);
  run_for(1'000);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);  // now it is
}

TEST_F(PlacementWarmTest, AnImageChangeRetiresTheWarmContainersAndMakesThemAgain) {
  WarmRecorder& backend = record();
  advance(0);
  ASSERT_EQ(backend.created.size(), 2u);
  placement_.on_warm_ready(backend.created[0].warm);  // one ready, one still being created

  std::string error;
  ASSERT_TRUE(io_hand_.catalog.reload(warm_catalog("2", "2"), &error)) << error;
  placement_.on_catalog_reloaded();
  EXPECT_EQ(backend.retired.size(), 2u);  // the creating one too
  EXPECT_EQ(server(0).slots_used + server(1).slots_used, 0u);
  advance(0);
  ASSERT_EQ(backend.created.size(), 4u);
  EXPECT_EQ(backend.created[2].image, "registry.test/alpha:2");
  EXPECT_EQ(backend.created[3].image, "registry.test/alpha:2");

  // A pool that goes to 0 is retired whole.
  ASSERT_TRUE(io_hand_.catalog.reload(warm_catalog("0", "2"), &error)) << error;
  placement_.on_catalog_reloaded();
  EXPECT_EQ(backend.retired.size(), 4u);
  run_for(2'000);
  EXPECT_EQ(backend.created.size(), 4u);
}

TEST_F(PlacementWarmTest, AWarmContainerThatCouldNotBeMadeIsMadeAgainAfterAGrowingPause) {
  WarmRecorder& backend = record();
  advance(0);
  ASSERT_EQ(backend.created.size(), 2u);
  placement_.on_warm_ready(backend.created[0].warm);
  placement_.on_warm_gone(backend.created[1].warm);  // never got ready
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
  run_for(4'800);
  EXPECT_EQ(backend.created.size(), 2u);  // paused 5 s
  run_for(1'300);
  ASSERT_EQ(backend.created.size(), 3u);

  placement_.on_warm_gone(backend.created[2].warm);  // again: 10 s
  run_for(9'000);
  EXPECT_EQ(backend.created.size(), 3u);
  run_for(1'200);
  ASSERT_EQ(backend.created.size(), 4u);

  // One that was ready and died is replaced at once.
  placement_.on_warm_ready(backend.created[3].warm);
  placement_.on_warm_gone(backend.created[0].warm);
  advance(0);
  EXPECT_EQ(backend.created.size(), 5u);
}

TEST_F(PlacementWarmTest, ACordonOrADownServerRetiresItsWarmContainersAndTheyGoElsewhere) {
  WarmRecorder& backend = record();
  advance(0);
  ASSERT_EQ(backend.created.size(), 2u);
  for (const WarmContainer& w : backend.created) placement_.on_warm_ready(w.warm);
  // Both where the first one's pull put the image (cache-aware, as launches are).
  ASSERT_EQ(backend.created[0].server, 0u);
  ASSERT_EQ(backend.created[1].server, 0u);
  placement_.set_cordoned(0, true);
  EXPECT_EQ(backend.retired, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(server(0).slots_used, 0u);
  advance(0);
  ASSERT_EQ(backend.created.size(), 4u);
  EXPECT_EQ(backend.created[2].server, 1u);  // made again where launches go
  EXPECT_EQ(backend.created[3].server, 1u);
  placement_.on_warm_ready(backend.created[2].warm);

  placement_.on_server_health(1, false);
  EXPECT_EQ(backend.retired.size(), 4u);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);
  EXPECT_EQ(server(1).slots_used, 0u);
  EXPECT_EQ(warm_ready_gauge(kAlpha), 0u);
}

TEST_F(PlacementWarmTest, ATakeThatFailsIsPlacedAgainCold) {
  WarmRecorder& backend = record();
  advance(0);
  placement_.on_warm_ready(backend.created[0].warm);
  place(1);
  ASSERT_EQ(backend.started.size(), 1u);
  EXPECT_EQ(backend.started[0].warm, backend.created[0].warm);
  EXPECT_EQ(backend.started[0].server, backend.created[0].server);
  placement_.on_no_room(session_id(1));
  ASSERT_EQ(backend.started.size(), 2u);
  EXPECT_EQ(backend.started[1].warm, 0u);
}

// Two servers of one slot, both held by alpha's pool of two; a launch of beta gets a warm
// container's room, and its first start comes back no_room, as Docker's did while the retired
// container's removal was on its way. Then, and at every step, no server holds more than its
// slot in placement's count or in what the backend runs, one warm container only was retired,
// and the pool refills into real room only.
class PlacementWarmGiveWayTest : public PlacementWarmTest {
 protected:
  PlacementWarmGiveWayTest() : PlacementWarmTest(roomy_fleet(2, 1), "2") {}

  void expect_within_slots(const WarmRecorder& b, const char* when) {
    for (uint32_t s = 0; s < 2; ++s) {
      EXPECT_LE(server(s).slots_taken(), 1u) << when << ", server " << s;
      EXPECT_LE(b.holds(s), 1u) << when << ", server " << s;
      EXPECT_EQ(server(s).slots_used, b.holds(s)) << when << ", server " << s;
    }
  }

  void give_way_with_no_room(bool inside_start) {
    WarmRecorder& b = record();
    advance(0);
    ASSERT_EQ(b.created.size(), 2u);
    ASSERT_NE(b.created[0].server, b.created[1].server);
    for (const WarmContainer& w : b.created) placement_.on_warm_ready(w.warm);
    expect_within_slots(b, "pool full");

    // The backend finds no room for the first start: from inside start(), or from its timer.
    bool answered = false;
    b.on_start = [&](const PlacedSession& p) {
      if (!inside_start || std::exchange(answered, true)) return;
      const Id128 id = p.session;  // a copy: the start placed again adds to `started`
      b.gone(id);
      placement_.on_no_room(id);
    };
    place(1, kBeta);
    if (!inside_start) {
      expect_within_slots(b, "placed");
      ASSERT_EQ(b.started.size(), 1u);
      b.gone(session_id(1));
      placement_.on_no_room(session_id(1));
    }
    expect_within_slots(b, "no room answered");
    ASSERT_EQ(b.started.size(), 2u);
    EXPECT_EQ(b.retired.size(), 1u) << "one warm container gives way, not both";
    EXPECT_EQ(b.started[1].server, b.started[0].server) << "placed again where room was made";
    EXPECT_EQ(placement_.queued(), 0u);

    run_for(3'000);  // both servers full: nothing is made
    expect_within_slots(b, "refill while full");
    EXPECT_EQ(b.created.size(), 2u);
    placement_.on_running(session_id(1));
    run_for(3'000);
    expect_within_slots(b, "running");
    EXPECT_EQ(b.created.size(), 2u);

    // The session ends: its room is the pool's again, and only that.
    const uint32_t freed = b.started[1].server;
    stop(1);
    b.gone(session_id(1));
    placement_.on_stopped(session_id(1), {});
    run_for(3'000);
    expect_within_slots(b, "stopped");
    ASSERT_EQ(b.created.size(), 3u);
    EXPECT_EQ(b.created[2].server, freed);
  }
};

TEST_F(PlacementWarmGiveWayTest, ANoRoomAfterGivingWayRetiresNoSecondWarmContainer) {
  give_way_with_no_room(false);
}

TEST_F(PlacementWarmGiveWayTest, ANoRoomFromInsideTheStartRetiresNoSecondWarmContainer) {
  give_way_with_no_room(true);
}

TEST_F(PlacementWarmTest, AWarmContainerFoundAfterARestartIsAdoptedWhenItsGameStillWantsIt) {
  WarmRecorder& backend = record();
  EXPECT_EQ(placement_.on_warm_found(1, "alpha", "registry.test/alpha:0", 1000, 1000, ""), 0u);
  EXPECT_EQ(placement_.on_warm_found(1, "beta", "registry.test/beta:1", 1000, 1000, ""), 0u);
  EXPECT_EQ(placement_.on_warm_found(1, "gone", "registry.test/gone:1", 1000, 1000, ""), 0u);
  EXPECT_EQ(server(1).slots_used, 0u);
  const uint64_t found =
      placement_.on_warm_found(1, "alpha", "registry.test/alpha:1", 1000, 1000, "");
  ASSERT_NE(found, 0u);
  EXPECT_EQ(server(1).slots_used, 1u);
  EXPECT_EQ(placement_.warm_pool().ready(kAlpha), 1u);
  EXPECT_EQ(warm_ready_gauge(kAlpha), 1u);
  advance(0);
  EXPECT_EQ(backend.created.size(), 1u);  // the pool of two makes the other one only

  place(1);
  ASSERT_EQ(backend.started.size(), 1u);
  EXPECT_EQ(backend.started[0].warm, found);
  EXPECT_EQ(backend.started[0].server, 1u);
}

// After kill -9 the engine still runs the pool: filled before the backend reported what it
// found, the pool would be made twice over and then trimmed, churning the engine.
TEST_F(PlacementWarmTest, AfterARestartThePoolWaitsForTheWarmContainersFoundThenMakesTheRest) {
  WarmRecorder& backend = record();
  placement_.recover({});
  run_for(3'000);  // refill and the 1 s tick: nothing made before the backend's report
  EXPECT_TRUE(backend.created.empty());
  const uint64_t found =
      placement_.on_warm_found(0, "alpha", "registry.test/alpha:1", 1000, 1000, "");
  ASSERT_NE(found, 0u);
  run_for(3'000);
  EXPECT_TRUE(backend.created.empty());
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);

  placement_.on_warm_recovered();
  advance(0);
  ASSERT_EQ(backend.created.size(), 1u);  // the pool of two makes the one it lacks
  run_for(3'000);
  EXPECT_EQ(backend.created.size(), 1u);
  EXPECT_TRUE(backend.retired.empty());
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 2u);
  place(1);
  ASSERT_EQ(backend.started.size(), 1u);
  EXPECT_EQ(backend.started[0].warm, found);  // the one found is taken, not churned
}

class PlacementWarmOnePoolTest : public PlacementWarmTest {
 protected:
  PlacementWarmOnePoolTest() : PlacementWarmTest(2, "1") {}
};

// Found more than the pool wants: nothing is retired before the backend's report (another
// engine's listing may still be on its way), the surplus after it.
TEST_F(PlacementWarmOnePoolTest, AfterARestartASurplusIsTrimmedOnlyOnceEveryFoundOneIsKnown) {
  WarmRecorder& backend = record();
  placement_.recover({});
  ASSERT_NE(placement_.on_warm_found(0, "alpha", "registry.test/alpha:1", 1000, 1000, ""), 0u);
  ASSERT_NE(placement_.on_warm_found(1, "alpha", "registry.test/alpha:1", 1000, 1000, ""), 0u);
  run_for(3'000);
  EXPECT_TRUE(backend.retired.empty());
  placement_.on_warm_recovered();
  run_for(1'100);
  EXPECT_EQ(backend.retired.size(), 1u);
  EXPECT_TRUE(backend.created.empty());
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
}

// The sim reports its (empty) warm recovery from the next turn: its pool fills after a restart.
TEST_F(PlacementWarmTest, AfterARestartOnTheSimThePoolFills) {
  placement_.recover({});
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);
  advance(0);
  advance(0);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 2u);
}

}  // namespace
}  // namespace ringside::placement_testing

namespace ringside::placement_testing {
namespace {

class PlacementWarmAutoTest : public PlacementTest {
 protected:
  PlacementWarmAutoTest()
      : PlacementTest(roomy_fleet(1, 64),
                      warm_catalog(R"("auto", "warmPoolMin": 0, "warmPoolMax": 8)")) {
    SimOptions o = sim_options();
    o.start_ms = 2'000;  // a cold start of 2 s
    use_backend(o);
  }

  void run_for(uint64_t ms) {
    for (uint64_t done = 0; done < ms; done += 100) advance(100);
  }
};

TEST_F(PlacementWarmAutoTest, AutoGrowsWithABurstByLittlesLawAndShrinks30sAfterItEnds) {
  run_for(1'000);                                      // the first tick opens the launch window
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);  // no demand: the floor, 0
  // 20 launches within one 10 s window, each a cold start of 2 s: 2 launches/s arrive during a
  // start, so the pool must hold ceil(2/s x ~2 s) = 4 for none of them to wait for a create.
  for (uint64_t n = 1; n <= 20; ++n) {
    place(n);
    run_for(300);
  }
  run_for(2'000);
  EXPECT_EQ(io_hand_.placement_metrics.started_cached.get(), 20u);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);  // the window is still open
  run_for(3'000);                                      // it closed at 11 s
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 4u);
  run_for(2'100);
  EXPECT_EQ(placement_.warm_pool().ready(kAlpha), 4u);

  // No launch in the next window: the target is 0 from 21 s, the pool is kept 30 s more, then
  // retired one a tick.
  run_for(30'000);  // 44 s
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 4u);
  run_for(7'500);  // 51.5 s
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 3u);
  run_for(8'000);
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);
  EXPECT_EQ(server().slots_used, 20u);  // the sessions only
}

class PlacementPrefetchTest : public PlacementWarmTest {
 protected:
  PlacementPrefetchTest() : PlacementWarmTest(roomy_fleet(4, 8), "1") {}
};

TEST_F(PlacementPrefetchTest, ARisingLaunchRatePullsTheImageWhereTheNextLaunchesGo) {
  WarmRecorder& backend = record();
  placement_.set_cordoned(2, true);  // takes no launch: not pulled to
  advance(0);
  ASSERT_EQ(backend.created.size(), 1u);  // on gs01, whose pull now counts the image there
  ASSERT_EQ(backend.created[0].server, 0u);
  place(1);
  place(2);  // two launches while none came before: rising
  run_for(1'000);
  const std::vector<std::pair<uint32_t, std::string>> want = {{1, "registry.test/alpha:1"},
                                                              {3, "registry.test/alpha:1"}};
  EXPECT_EQ(backend.prefetched, want);  // at most two servers a tick, those without it

  // The next launch goes where the image is being pulled, sharing that pull.
  place(3);
  ASSERT_EQ(backend.started.size(), 3u);
  EXPECT_NE(backend.started[2].server, 0u);
  EXPECT_NE(backend.started[2].server, 2u);
  // A pull that failed leaves the server without the image: no launch is sent there for it.
  placement_.on_prefetched(1, "registry.test/alpha:1", false);
  placement_.on_prefetched(3, "registry.test/alpha:1", false);
  EXPECT_FALSE(placement_.scheduler().server(1).has_image(0));
  EXPECT_FALSE(placement_.scheduler().server(3).has_image(0));
}

class PlacementPrefetchWithoutPoolTest : public PlacementWarmTest {
 protected:
  PlacementPrefetchWithoutPoolTest() : PlacementWarmTest(roomy_fleet(3, 8), "0") {}
};

// Pre-pull is for every game: one without a pool gets its image ahead of demand too, and a
// rate that does not rise pulls nothing more.
TEST_F(PlacementPrefetchWithoutPoolTest, ARisingLaunchRatePullsTheImageOfAGameWithoutAPool) {
  WarmRecorder& backend = record();
  place(1);
  run_for(1'000);
  EXPECT_TRUE(backend.prefetched.empty()) << "one launch is not a rising rate";
  EXPECT_TRUE(backend.created.empty()) << "no pool: no warm container";
  place(2);
  run_for(1'000);
  ASSERT_EQ(backend.started.size(), 2u);
  ASSERT_EQ(backend.started[1].server, backend.started[0].server) << "cache-aware: together";
  ASSERT_EQ(backend.prefetched.size(), 2u) << "the two servers that lack the image";
  for (const auto& [server, image] : backend.prefetched) {
    EXPECT_NE(server, backend.started[0].server);
    EXPECT_EQ(image, "registry.test/alpha:1");
  }
  run_for(10'000);  // the next window: as many launches as before, not rising
  place(3);
  place(4);
  run_for(1'000);
  EXPECT_EQ(backend.prefetched.size(), 2u) << "nothing more to pull: every server has it";
}

TEST_F(PlacementWarmTest, InAClusterAWarmContainerBelongsToAServedPartitionAndIsForgottenWithIt) {
  WarmRecorder& backend = record();
  placement_.set_serves([](uint16_t partition) { return partition == 7; });
  advance(0);
  ASSERT_EQ(backend.created.size(), 2u);
  for (const WarmContainer& w : backend.created) {
    EXPECT_EQ(w.label_player.rfind("warm-", 0), 0u) << w.label_player;
    EXPECT_EQ(partition_of_player(w.label_player), 7u) << w.label_player;
  }
  placement_.on_warm_ready(backend.created[0].warm);
  placement_.forget_partition(8);
  EXPECT_TRUE(backend.forgotten.empty());
  placement_.forget_partition(7);
  EXPECT_EQ(backend.forgotten.size(), 2u);
  EXPECT_TRUE(backend.retired.empty());  // left running for the partition's next owner
  EXPECT_EQ(server(0).slots_used + server(1).slots_used, 0u);
}

// Adopted after a restart, a warm container keeps its label player: when its partition moves
// this node lets go of it, as of one it made, instead of holding it (and counting its room)
// while the partition's new owner adopts the same container.
TEST_F(PlacementWarmTest, InAClusterAWarmContainerFoundAfterARestartIsForgottenWithItsPartition) {
  WarmRecorder& backend = record();
  placement_.set_serves([](uint16_t partition) { return partition == 7; });
  std::string label;
  for (uint32_t n = 0; label.empty() || partition_of_player(label) != 7; ++n) {
    label = "warm-" + std::to_string(n);
  }
  const uint64_t found =
      placement_.on_warm_found(1, "alpha", "registry.test/alpha:1", 1000, 1000, label);
  ASSERT_NE(found, 0u);
  EXPECT_EQ(server(1).slots_used, 1u);
  placement_.forget_partition(8);
  EXPECT_TRUE(backend.forgotten.empty());
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 1u);
  placement_.forget_partition(7);
  EXPECT_EQ(backend.forgotten, std::vector<uint64_t>{found});
  EXPECT_TRUE(backend.retired.empty());  // left running for the partition's next owner
  EXPECT_EQ(placement_.warm_pool().held(kAlpha), 0u);
  EXPECT_EQ(server(1).slots_used, 0u);
}

}  // namespace
}  // namespace ringside::placement_testing

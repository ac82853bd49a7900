#include "backends/sim/sim_backend.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/timer_wheel.h"

namespace ringside {
namespace {

constexpr uint32_t kPullMs = 1000;
constexpr uint32_t kStartMs = 200;
constexpr uint32_t kGrowth = 384;
constexpr char kCached[] = "registry.test/cached:1";
constexpr char kUncached[] = "registry.test/uncached:1";

struct Event {
  enum Kind { kPhase, kRunning, kStartFailed, kStopped, kLost, kHealth, kNoRoom } kind;
  Id128 session;
  StartPhase phase = StartPhase::kQueued;
  SessionError error = SessionError::kNone;
  SessionFigures figures;
  uint32_t server = 0;
  bool up = false;
};

class Recorder : public BackendEvents {
 public:
  void on_phase(const Id128& s, StartPhase p) override { events.push_back({Event::kPhase, s, p}); }
  void on_running(const Id128& s) override { events.push_back({Event::kRunning, s}); }
  void on_start_failed(const Id128& s, SessionError e) override {
    events.push_back({Event::kStartFailed, s, StartPhase::kQueued, e});
  }
  void on_stopped(const Id128& s, const SessionFigures& f) override {
    events.push_back({Event::kStopped, s, StartPhase::kQueued, SessionError::kNone, f});
  }
  void on_lost(const Id128& s, SessionError e) override {
    events.push_back({Event::kLost, s, StartPhase::kQueued, e});
  }
  void on_no_room(const Id128& s) override { events.push_back({Event::kNoRoom, s}); }
  void on_server_health(uint32_t server, bool up) override {
    Event e{Event::kHealth, {}};
    e.server = server;
    e.up = up;
    events.push_back(e);
  }

  // The events recorded since the last call.
  std::vector<Event> take() { return std::exchange(events, {}); }

  std::vector<Event> events;
};

Id128 session_id(uint64_t n) { return {0x5e55, n}; }
Id128 slot_id(uint64_t n) { return {0x5107, n}; }

class SimBackendTest : public ::testing::Test {
 protected:
  SimBackendTest() { use_options(default_options()); }

  static SimOptions default_options() {
    SimOptions o;
    o.pull_ms = kPullMs;
    o.start_ms = kStartMs;
    o.session_cpu_cores = 0.5;
    o.session_memory_mb = 768;
    o.save_growth_bytes = kGrowth;
    o.preloaded_images = {kCached};
    return o;
  }

  void use_options(SimOptions o) {
    std::vector<GameServerInfo> fleet(2);
    fleet[0].name = "gs01";
    fleet[1].name = "gs02";
    sim_ = std::make_unique<SimBackend>(
        std::move(fleet), std::move(o), wheel_, [this] { return now_; }, events_);
  }

  void advance(uint64_t ms) {
    now_ += ms;
    wheel_.advance(now_);
  }

  void start(uint64_t n, const char* image, uint32_t server = 0, uint64_t slot = 1,
             bool fresh = false) {
    PlacedSession spec;
    spec.session = session_id(n);
    spec.image = image;
    spec.server = server;
    spec.save_slot = slot_id(slot);
    spec.fresh_slot = fresh;
    sim_->start(spec);
  }

  // Starts session n on a cached image and lets it run for `seconds`.
  void start_running(uint64_t n, uint64_t slot, bool fresh, uint64_t seconds) {
    start(n, kCached, 0, slot, fresh);
    advance(kStartMs);
    advance(seconds * 1000);
    events_.take();
  }

  // Stops session n and returns the figures of its on_stopped.
  SessionFigures stop_and_collect(uint64_t n) {
    sim_->stop(session_id(n));
    advance(0);
    const std::vector<Event> e = events_.take();
    EXPECT_EQ(e.size(), 1u);
    if (e.size() != 1) return {};
    EXPECT_EQ(e[0].kind, Event::kStopped);
    return e[0].figures;
  }

  uint64_t now_ = 77'000;
  TimerWheel wheel_{10, 64, now_};
  Recorder events_;
  std::unique_ptr<SimBackend> sim_;
};

TEST_F(SimBackendTest, StartOnCachedServerCreatesThenRuns) {
  start(1, kCached);
  std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kPhase);
  EXPECT_EQ(e[0].phase, StartPhase::kCreating);

  advance(kStartMs - 1);
  EXPECT_TRUE(events_.take().empty());
  advance(1);
  e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kRunning);
  EXPECT_EQ(e[0].session, session_id(1));
  EXPECT_EQ(sim_->pulls_started(), 0u);
}

TEST_F(SimBackendTest, UncachedImageIsPulledThenCreated) {
  EXPECT_FALSE(sim_->has_image(0, kUncached));
  start(1, kUncached);
  std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].phase, StartPhase::kPulling);

  advance(kPullMs);
  e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kPhase);
  EXPECT_EQ(e[0].phase, StartPhase::kCreating);
  EXPECT_TRUE(sim_->has_image(0, kUncached));
  EXPECT_FALSE(sim_->has_image(1, kUncached));

  advance(kStartMs);
  e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kRunning);
}

TEST_F(SimBackendTest, StartsOfOneImageOnOneServerShareOnePull) {
  start(1, kUncached, 0);
  advance(300);
  start(2, kUncached, 0);
  EXPECT_EQ(sim_->pulls_started(), 1u);
  start(3, kUncached, 1);  // another server pulls for itself
  EXPECT_EQ(sim_->pulls_started(), 2u);
  events_.take();

  // The shared pull ends for both waiters at once, at the first one's pull_ms.
  advance(kPullMs - 300);
  std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].session, session_id(1));
  EXPECT_EQ(e[1].session, session_id(2));
  EXPECT_EQ(e[1].phase, StartPhase::kCreating);

  advance(kStartMs);
  int running = 0;
  for (const Event& ev : events_.take()) running += ev.kind == Event::kRunning;
  EXPECT_EQ(running, 2);

  start(4, kUncached, 0);  // cached now
  EXPECT_EQ(sim_->pulls_started(), 2u);
}

TEST_F(SimBackendTest, FailedPullFailsEveryWaiterAndCachesNothing) {
  SimOptions o = default_options();
  o.pull_failure_rate = 1;
  use_options(o);
  start(1, kUncached);
  start(2, kUncached);
  events_.take();
  advance(kPullMs);
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 2u);
  for (const Event& ev : e) {
    EXPECT_EQ(ev.kind, Event::kStartFailed);
    EXPECT_EQ(ev.error, SessionError::kPullFailed);
  }
  EXPECT_FALSE(sim_->has_image(0, kUncached));
  EXPECT_EQ(sim_->session_count(), 0u);
  advance(kPullMs + kStartMs);
  EXPECT_TRUE(events_.take().empty());
}

TEST_F(SimBackendTest, StartFailureIsInjectedAfterCreating) {
  SimOptions o = default_options();
  o.start_failure_rate = 1;
  use_options(o);
  start(1, kCached);
  events_.take();
  advance(kStartMs);
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kStartFailed);
  EXPECT_EQ(e[0].error, SessionError::kStartFailed);
  EXPECT_EQ(sim_->session_count(), 0u);
}

TEST_F(SimBackendTest, StopWhilePullingNeverRunsAndReportsZerosOnce) {
  start(1, kUncached);
  start(2, kUncached);
  events_.take();
  sim_->stop(session_id(1));
  sim_->stop(session_id(1));            // a second stop changes nothing
  EXPECT_TRUE(events_.take().empty());  // reported from a timer, not from inside stop()

  advance(kPullMs + kStartMs + 1000);
  int stopped = 0;
  for (const Event& ev : events_.take()) {
    if (ev.session == session_id(1)) {
      ASSERT_EQ(ev.kind, Event::kStopped);
      EXPECT_EQ(ev.figures.cpu_seconds, 0);
      EXPECT_EQ(ev.figures.peak_memory_mb, 0);
      EXPECT_EQ(ev.figures.save_bytes, 0u);
      ++stopped;
    } else {
      EXPECT_NE(ev.kind, Event::kStartFailed);  // the other waiter goes on
    }
  }
  EXPECT_EQ(stopped, 1);
  EXPECT_EQ(sim_->session_count(), 1u);  // session 2 goes on
  EXPECT_EQ(sim_->saved_bytes(slot_id(1)), 0u);
}

TEST_F(SimBackendTest, StopWhileCreatingNeverRuns) {
  start(1, kCached);
  advance(kStartMs / 2);
  events_.take();
  const SessionFigures f = stop_and_collect(1);
  EXPECT_EQ(f.cpu_seconds, 0);
  advance(uint64_t{kStartMs} * 2);
  EXPECT_TRUE(events_.take().empty());
  EXPECT_EQ(sim_->session_count(), 0u);
}

TEST_F(SimBackendTest, StopOfUnknownSessionReportsNothing) {
  sim_->stop(session_id(9));
  advance(1000);
  EXPECT_TRUE(events_.take().empty());
}

// Cluster mode: a session of a partition this node lost is dropped without a report. Its
// shared pull goes on for the other waiters, and for the cache when it had none left.
TEST_F(SimBackendTest, AForgottenStartLeavesItsSharedPullToTheOthersAndReportsNothing) {
  start(1, kUncached, 0);
  start(2, kUncached, 0);
  start(3, kUncached, 1);
  events_.take();
  sim_->forget(session_id(1));
  sim_->forget(session_id(3));  // its pull's only waiter
  EXPECT_EQ(sim_->session_count(), 1u);

  advance(kPullMs);
  advance(kStartMs);
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].session, session_id(2));
  EXPECT_EQ(e[0].phase, StartPhase::kCreating);
  EXPECT_EQ(e[1].session, session_id(2));
  EXPECT_EQ(e[1].kind, Event::kRunning);
  EXPECT_TRUE(sim_->has_image(1, kUncached));
  EXPECT_EQ(sim_->pulls_started(), 2u);
}

// The partition comes back (to this node or another): recover() adopts what was forgotten,
// running from then on, and a stop before that is not this backend's any more.
TEST_F(SimBackendTest, AForgottenRunningSessionIsAdoptedAgainByRecover) {
  start_running(1, 1, false, 10);
  sim_->forget(session_id(1));
  sim_->stop(session_id(1));
  advance(1000);
  EXPECT_TRUE(events_.take().empty());
  EXPECT_EQ(sim_->session_count(), 0u);

  PlacedSession again;
  again.session = session_id(1);
  again.save_slot = slot_id(1);
  again.server = 0;
  again.was_running = true;
  sim_->recover({again});
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kRunning);
  advance(4000);
  EXPECT_DOUBLE_EQ(stop_and_collect(1).cpu_seconds, 0.5 * 4);
}

// A start the store knows no server of (queued or pulling when the process ended) left
// nothing on the simulated fleet: given back to placement from a timer, to be placed again.
// One cut short on a server is failed, as before.
TEST_F(SimBackendTest, ARecoveredStartWithoutAServerIsGivenBackAndOneWithAServerFails) {
  EXPECT_TRUE(sim_->recovers_unplaced_starts());
  PlacedSession unplaced;
  unplaced.session = session_id(1);
  unplaced.save_slot = slot_id(1);
  unplaced.server = kUnknownServer;
  PlacedSession placed = unplaced;
  placed.session = session_id(2);
  placed.server = 0;
  sim_->recover({unplaced, placed});
  std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kStartFailed);
  EXPECT_EQ(e[0].session, session_id(2));

  advance(0);
  e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kNoRoom);
  EXPECT_EQ(e[0].session, session_id(1));
  EXPECT_EQ(sim_->session_count(), 0u);
  advance(10'000);
  EXPECT_TRUE(events_.take().empty());
}

TEST_F(SimBackendTest, StopOfRunningSessionReportsCoresTimesSeconds) {
  start_running(1, 1, false, 10);
  const SessionFigures f = stop_and_collect(1);
  EXPECT_DOUBLE_EQ(f.cpu_seconds, 5.0);  // 0.5 cores x 10 s
  EXPECT_DOUBLE_EQ(f.peak_memory_mb, 768);
  EXPECT_EQ(f.save_bytes, kGrowth);
  EXPECT_EQ(sim_->session_count(), 0u);
}

TEST_F(SimBackendTest, SaveDataGrowsAcrossSessionsOfOneSlot) {
  start_running(1, 7, true, 1);
  EXPECT_EQ(stop_and_collect(1).save_bytes, kGrowth);
  start_running(2, 7, false, 1);
  EXPECT_EQ(stop_and_collect(2).save_bytes, 2 * kGrowth);
  EXPECT_EQ(sim_->saved_bytes(slot_id(7)), 2 * kGrowth);

  // A fresh slot starts empty.
  start_running(3, 8, true, 1);
  EXPECT_EQ(stop_and_collect(3).save_bytes, kGrowth);
}

TEST_F(SimBackendTest, VanishedServerLosesItsSessions) {
  start_running(1, 1, false, 1);
  start(2, kUncached, 0);  // pulling on the same server
  start(3, kCached, 1);    // elsewhere
  events_.take();

  sim_->vanish_server(0);
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].kind, Event::kHealth);
  EXPECT_EQ(e[0].server, 0u);
  EXPECT_FALSE(e[0].up);
  EXPECT_EQ(e[1].kind, Event::kLost);
  EXPECT_EQ(e[1].session, session_id(1));
  EXPECT_EQ(e[1].error, SessionError::kServerLost);
  EXPECT_EQ(e[2].kind, Event::kStartFailed);
  EXPECT_EQ(e[2].session, session_id(2));
  EXPECT_EQ(e[2].error, SessionError::kServerLost);
  EXPECT_FALSE(sim_->has_image(0, kCached));
  EXPECT_TRUE(sim_->has_image(1, kCached));

  advance(kPullMs + kStartMs);
  const std::vector<Event> later = events_.take();
  ASSERT_EQ(later.size(), 1u);  // only session 3, on the other server
  EXPECT_EQ(later[0].session, session_id(3));
  EXPECT_EQ(later[0].kind, Event::kRunning);
}

TEST_F(SimBackendTest, StartOnVanishedServerFailsFromATimer) {
  sim_->vanish_server(0);
  events_.take();
  start(1, kCached, 0);
  EXPECT_TRUE(events_.take().empty());
  advance(0);
  const std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].kind, Event::kStartFailed);
  EXPECT_EQ(e[0].error, SessionError::kServerLost);
}

TEST_F(SimBackendTest, RestoredServerComesBackEmpty) {
  sim_->vanish_server(0);
  sim_->restore_server(0);
  std::vector<Event> e = events_.take();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].kind, Event::kHealth);
  EXPECT_TRUE(e[1].up);

  start(1, kCached, 0);
  e = events_.take();
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].phase, StartPhase::kPulling);
}

}  // namespace
}  // namespace ringside

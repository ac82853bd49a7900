#include "sched/session_placement.h"

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

namespace ringside {
namespace {

constexpr uint32_t kPullMs = 1000;
constexpr uint32_t kStartMs = 200;
constexpr uint32_t kQueueTimeoutMs = 30'000;
constexpr uint64_t kTenMinutesMs = 600'000;  // a sample of full weight
constexpr uint32_t kShard = 0;  // thread 0 plays the owner shard; thread 1 is the I/O core
constexpr uint32_t kIo = 1;
constexpr uint32_t kAlpha = 0;  // games by catalog index
constexpr uint32_t kBeta = 1;

Catalog test_catalog() {
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
std::vector<GameServerInfo> test_fleet(uint32_t count = 1) {
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

Config test_config() {
  Config c;
  c.shards = 1;
  c.launch_queue = 2;
  c.launch_queue_timeout_s = kQueueTimeoutMs / 1000.0;
  return c;
}

SimOptions sim_options() {
  SimOptions o;
  o.pull_ms = kPullMs;
  o.start_ms = kStartMs;
  o.session_cpu_cores = 0.5;
  o.session_memory_mb = 768;
  o.preloaded_images = {"registry.test/alpha:1"};
  return o;
}

Id128 session_id(uint64_t n) { return {0xabc, n}; }

// Session n of alpha on the server, as the store had it at a restart.
ActiveSession recovered(uint64_t n, SessionStatus status) {
  ActiveSession a;
  a.session.id = session_id(n);
  a.session.player_id = "player-1";
  a.session.game = kAlpha;
  a.session.server = 0;
  a.session.has_server = true;
  a.session.status = status;
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
  bool recovers_unplaced_starts() const override { return finds_unplaced; }

  std::vector<PlacedSession> started;
  std::vector<PlacedSession> recovered;
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
  explicit PlacementTest(std::vector<GameServerInfo> fleet = test_fleet())
      : process_{test_config(), test_catalog(), std::move(fleet), TokenMinter::random_secret()} {
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
    m.fresh_slot = true;
    m.player_id = player;
    deliver(m);
  }

  void stop(uint64_t n) { deliver(StopSession{session_id(n)}); }

  // Sends `m` from the shard to the I/O core's mailbox, where placement handles it.
  template <class T>
  void deliver(const T& m) {
    shard_.send(kIo, m);
    ASSERT_EQ(io_.dispatch(1000), 1u);
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

TEST_F(PlacementTest, PlacedLaunchReportsPhasesThenRunning) {
  place(1, kBeta);  // beta is not cached: pull, create, run
  EXPECT_EQ(server().slots_used, 1u);
  EXPECT_EQ(server().cpu_reserved_millicores, 1000u);
  EXPECT_EQ(server().memory_reserved_mb, 1000u);
  EXPECT_EQ(placement_.metrics().placed.get(), 1u);

  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionPhase);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().session, session_id(1));
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kPulling);

  advance(kPullMs);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kCreating);

  advance(kStartMs);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionRunning);
  EXPECT_EQ(got[0].as<SessionRunning>().session, session_id(1));
  EXPECT_EQ(got[0].as<SessionRunning>().server, 0u);
  EXPECT_EQ(placement_.active(), 1u);
}

TEST_F(PlacementTest, StopOfRunningSessionReturnsFiguresCapacityAndUpdatesProfile) {
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 1.0);  // the catalog's figure
  place_running(1);
  advance(kTenMinutesMs);
  stop(1);
  EXPECT_TRUE(received().empty());  // the backend reports later
  advance(0);

  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  const SessionStopped s = got[0].as<SessionStopped>();
  EXPECT_EQ(s.session, session_id(1));
  EXPECT_DOUBLE_EQ(s.figures.cpu_seconds, 300.0);
  EXPECT_DOUBLE_EQ(s.figures.peak_memory_mb, 768);
  expect_nothing_reserved();
  EXPECT_EQ(placement_.active(), 0u);

  // The first sample replaces the catalog's figures; later ones move the average.
  const ResourceProfile& p = placement_.profile(kAlpha);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 0.5);
  EXPECT_DOUBLE_EQ(p.memory_mb, 768);
  EXPECT_EQ(p.cpu_samples, 1u);
  EXPECT_EQ(placement_.profile(kBeta).cpu_samples, 0u);

  // The next launch of the game reserves the learnt profile.
  place(2);
  EXPECT_EQ(server().cpu_reserved_millicores, 500u);
  EXPECT_EQ(server().memory_reserved_mb, 768u);
}

TEST_F(PlacementTest, FullQueueRejectsWithNoServersAndLaunchesAcceptedFlips) {
  place(1);
  place(2);  // the server is full
  EXPECT_TRUE(io_hand_.launches_accepted.load());
  place(3);
  EXPECT_TRUE(io_hand_.launches_accepted.load());
  place(4);  // the queue (2) is full now
  EXPECT_EQ(placement_.queued(), 2u);
  EXPECT_FALSE(io_hand_.launches_accepted.load());
  EXPECT_EQ(placement_.metrics().launches_queued.get(), 2u);
  received();

  place(5);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionFailed);
  EXPECT_EQ(got[0].as<SessionFailed>().session, session_id(5));
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kNoServers);
  EXPECT_EQ(placement_.metrics().rejected.get(), 1u);
  EXPECT_EQ(placement_.metrics().queued.get(), 2u);

  stop(3);  // a queued launch leaves: there is room again
  EXPECT_TRUE(io_hand_.launches_accepted.load());
}

TEST_F(PlacementTest, QueuedLaunchTimesOutWithNoServers) {
  place(1);
  place(2);
  place(3);
  advance(kStartMs);
  received();

  advance(kQueueTimeoutMs);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionFailed);
  EXPECT_EQ(got[0].as<SessionFailed>().session, session_id(3));
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kNoServers);
  EXPECT_EQ(placement_.queued(), 0u);
  EXPECT_EQ(placement_.metrics().failed.get(), 1u);
  EXPECT_EQ(placement_.active(), 2u);
}

TEST_F(PlacementTest, StopOfQueuedLaunchAnswersZeroFiguresAndNeverStartsIt) {
  place(1);
  place(2);
  place(3);
  received();
  stop(3);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  const SessionStopped s = got[0].as<SessionStopped>();
  EXPECT_EQ(s.session, session_id(3));
  EXPECT_EQ(s.figures.cpu_seconds, 0);
  EXPECT_EQ(s.figures.peak_memory_mb, 0);
  EXPECT_EQ(placement_.queued(), 0u);

  // Capacity frees up: nothing is waiting for it any more.
  advance(kStartMs);
  stop(1);
  advance(kQueueTimeoutMs);
  got = received();
  for (const Sent& m : got) {
    EXPECT_NE(m.kind, kMsgSessionFailed);
    if (m.kind == kMsgSessionRunning) {
      EXPECT_NE(m.as<SessionRunning>().session, session_id(3));
    }
  }
  EXPECT_EQ(sim_->session_count(), 1u);  // session 2
}

TEST_F(PlacementTest, QueuedLaunchIsPlacedWhenAnotherStops) {
  place_running(1);
  place_running(2);
  place(3);
  EXPECT_EQ(placement_.queued(), 1u);
  EXPECT_TRUE(received().empty());  // still queued: the shard already shows that

  stop(1);
  advance(0);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[1].kind, kMsgSessionPhase);
  EXPECT_EQ(got[1].as<SessionPhaseUpdate>().session, session_id(3));
  EXPECT_EQ(got[1].as<SessionPhaseUpdate>().phase, StartPhase::kCreating);
  EXPECT_EQ(placement_.queued(), 0u);
  EXPECT_EQ(placement_.metrics().placed.get(), 3u);

  advance(kStartMs);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionRunning);
  EXPECT_EQ(got[0].as<SessionRunning>().session, session_id(3));

  // Its queue timeout no longer applies; and everything stopped gives everything back.
  advance(kQueueTimeoutMs);
  EXPECT_TRUE(received().empty());
  stop(2);
  stop(3);
  advance(0);
  got = received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[1].kind, kMsgSessionStopped);
  expect_nothing_reserved();
  EXPECT_EQ(placement_.active(), 0u);
}

TEST_F(PlacementTest, StopWhileStartingCancelsWithZeroFiguresAndNoProfileSample) {
  place(1, kBeta);
  received();
  stop(1);
  advance(kPullMs + kStartMs);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[0].as<SessionStopped>().figures.cpu_seconds, 0);
  EXPECT_EQ(placement_.profile(kBeta).memory_samples, 0u);
  EXPECT_DOUBLE_EQ(placement_.profile(kBeta).memory_mb, 1000);
  expect_nothing_reserved();
}

TEST_F(PlacementTest, RepeatedStopAnswersTheSameFiguresAgain) {
  place_running(1);
  advance(4'000);
  stop(1);
  stop(1);  // while stopping: one final message only
  advance(0);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  const double cpu = got[0].as<SessionStopped>().figures.cpu_seconds;
  EXPECT_DOUBLE_EQ(cpu, 2.0);

  stop(1);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_DOUBLE_EQ(got[0].as<SessionStopped>().figures.cpu_seconds, cpu);
}

TEST_F(PlacementTest, StopOfUnknownSessionAnswersUnknownFigures) {
  stop(42);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[0].as<SessionStopped>().session, session_id(42));
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.cpu_seconds));
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.peak_memory_mb));
}

TEST_F(PlacementTest, StartFailureReleasesCapacityAndStopAfterItAnswersStopped) {
  SimOptions o = sim_options();
  o.start_failure_rate = 1;
  use_backend(o);
  place(1);
  advance(kStartMs);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 2u);  // creating, then the failure
  ASSERT_EQ(got[1].kind, kMsgSessionFailed);
  EXPECT_EQ(got[1].as<SessionFailed>().error, SessionError::kStartFailed);
  expect_nothing_reserved();
  EXPECT_EQ(placement_.metrics().failed.get(), 1u);

  stop(1);  // crossed the failure in flight
  got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionStopped);
  EXPECT_EQ(got[0].as<SessionStopped>().figures.cpu_seconds, 0);  // it never ran
}

TEST_F(PlacementTest, FailedPullFailsTheLaunchAndForgetsTheImage) {
  SimOptions o = sim_options();
  o.pull_failure_rate = 1;
  use_backend(o);
  place(1, kBeta);
  place(2, kBeta);  // shares the pull
  advance(kPullMs);
  int failed = 0;
  for (const Sent& m : received()) {
    if (m.kind != kMsgSessionFailed) continue;
    EXPECT_EQ(m.as<SessionFailed>().error, SessionError::kPullFailed);
    ++failed;
  }
  EXPECT_EQ(failed, 2);
  EXPECT_EQ(sim_->pulls_started(), 1u);
  expect_nothing_reserved();
  EXPECT_FALSE(server().has_image(1));  // image ids follow the catalog: beta's is 1
  EXPECT_TRUE(server().has_image(0));
}

TEST_F(PlacementTest, LostServerFailsItsSessionsAndTakesNoMore) {
  place_running(1);
  sim_->vanish_server(0);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionFailed);
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kServerLost);
  expect_nothing_reserved();
  EXPECT_EQ(placement_.metrics().lost.get(), 1u);
  EXPECT_FALSE(server().up);

  stop(1);  // it ran, but its figures died with the server
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.cpu_seconds));

  place(2);  // queued: the only server is down
  EXPECT_EQ(placement_.queued(), 1u);
  sim_->restore_server(0);  // back, empty: the queued launch goes there and pulls
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().session, session_id(2));
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kPulling);
}

TEST_F(PlacementTest, AStopRightAfterRunningTeachesTheProfileNothing) {
  place_running(1);
  advance(20);
  stop(1);
  advance(0);
  ASSERT_EQ(received().size(), 1u);
  const ResourceProfile& p = placement_.profile(kAlpha);
  EXPECT_EQ(p.cpu_samples, 0u);
  EXPECT_EQ(p.memory_samples, 0u);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000);
}

TEST_F(PlacementTest, TheProfileLearnsOverTheWindowTheBackendMeasuredTheCpuIn) {
  place_running(1);
  advance(20);
  stop(1);
  // The backend read the CPU at its own moment: 30 s of CPU over 30 s of running, though the
  // stop came 20 ms after running here.
  SessionFigures figures{30.0, 768, 0, SaveError::kNone, /*cpu_window_ms=*/30'000};
  placement_.on_stopped(session_id(1), figures);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 1.0);
  EXPECT_EQ(placement_.profile(kAlpha).cpu_samples, 1u);
}

TEST_F(PlacementTest, AStartStoppedBeforeItRanTeachesNothingWhenItRunsAfterTheStop) {
  // The stop is asked while the start is under way; the backend reports running afterwards,
  // then figures without a window of its own. It ran for no time before the stop: no sample,
  // and the next launch of the game reserves what the catalog declares.
  SilentBackend backend;
  placement_.attach(backend);
  place(1);
  stop(1);
  advance(kTenMinutesMs);
  placement_.on_running(session_id(1));
  placement_.on_stopped(session_id(1), SessionFigures{30.0, 768, 0, SaveError::kNone, 0});
  EXPECT_EQ(placement_.profile(kAlpha).cpu_samples, 0u);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 1.0);
  place(2);
  EXPECT_EQ(server().cpu_reserved_millicores, 1000u);
}

TEST_F(PlacementTest, AGameLearntLargerThanEveryServerStaysPlaceable) {
  SimOptions o = sim_options();
  o.session_cpu_cores = 10;  // more than the 8-core server holds
  use_backend(o);
  std::vector<ResourceProfile> persisted;
  placement_.set_profile_listener(
      [&](uint32_t, const ResourceProfile& p) { persisted.push_back(p); });
  place_running(1);
  advance(kTenMinutesMs);
  stop(1);
  advance(0);
  received();
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 8.0);  // the largest server
  ASSERT_EQ(persisted.size(), 1u);
  EXPECT_DOUBLE_EQ(persisted[0].cpu_cores, 8.0);

  place(2);
  EXPECT_EQ(placement_.metrics().rejected.get(), 0u);
  EXPECT_EQ(server().cpu_reserved_millicores, 8000u);
}

TEST_F(PlacementTest, AProfileReadBackLargerThanEveryServerIsBoundedAndPlaceable) {
  std::vector<ResourceProfile> persisted;
  placement_.set_profile_listener(
      [&](uint32_t, const ResourceProfile& p) { persisted.push_back(p); });
  LoadedProfile poisoned;  // ~10 cores from a quick stop, written by an older version
  poisoned.game = kAlpha;
  poisoned.cpu_cores = 10.4;
  poisoned.memory_mb = 20'000;
  poisoned.cpu_samples = 1;
  poisoned.memory_samples = 1;
  placement_.restore_profiles({poisoned});
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 8.0);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).memory_mb, 16'000);
  ASSERT_EQ(persisted.size(), 1u);  // the bounded profile replaces the stored one
  EXPECT_DOUBLE_EQ(persisted[0].cpu_cores, 8.0);

  place(1);
  EXPECT_EQ(placement_.metrics().rejected.get(), 0u);
  EXPECT_EQ(server().slots_used, 1u);
  EXPECT_EQ(server().cpu_reserved_millicores, 8000u);
}

TEST_F(PlacementTest, AServerSmallerThanDeclaredBoundsReservationsAndProfiles) {
  SimOptions o = sim_options();
  o.session_cpu_cores = 4;
  use_backend(o);
  place_running(1);
  advance(kTenMinutesMs);
  stop(1);
  advance(0);
  received();
  ASSERT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 4.0);

  // The machine has 2 cores and 64 GB; the fleet declared 8 cores and 16 GB.
  placement_.on_server_capacity(0, 2000, 64'000);
  EXPECT_EQ(server().cpu_capacity_millicores, 2000u);
  EXPECT_EQ(server().memory_capacity_mb, 16'000u);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 2.0);
  place(2);
  EXPECT_EQ(server().cpu_reserved_millicores, 2000u);
}

TEST_F(PlacementTest, AnAdoptedSessionsStopTeachesTheProfileNothing) {
  // Its CPU figure covers time before the restart; the running time here does not.
  placement_.recover({recovered(1, SessionStatus::kRunning)});
  ASSERT_EQ(received().back().kind, kMsgSessionRunning);
  advance(kTenMinutesMs);
  stop(1);
  advance(0);
  ASSERT_EQ(received().back().kind, kMsgSessionStopped);
  EXPECT_EQ(placement_.profile(kAlpha).cpu_samples, 0u);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 1.0);
}

TEST_F(PlacementTest, AStartAdoptedAfterARestartTeachesLikeAnyStart) {
  // A launch in flight at the restart whose container runs: the backend finishes its start,
  // CPU read and all, so its window is as good as any other.
  SilentBackend backend;
  placement_.attach(backend);
  placement_.recover({recovered(1, SessionStatus::kStarting)});
  placement_.on_running(session_id(1));
  ASSERT_EQ(received().back().kind, kMsgSessionRunning);
  advance(kTenMinutesMs);
  stop(1);
  placement_.on_stopped(session_id(1), SessionFigures{300.0, 768, 0, SaveError::kNone, 600'000});
  EXPECT_EQ(placement_.profile(kAlpha).cpu_samples, 1u);
  EXPECT_DOUBLE_EQ(placement_.profile(kAlpha).cpu_cores, 0.5);
}

// recover() gets each session as start() did, from the store's record: its ids, player, game,
// image, save directory and slot, and its server; only was_running and the start's own fields
// (a fresh slot, the limits) differ.
TEST_F(PlacementTest, RecoverHandsTheBackendTheSessionAsStartDid) {
  SilentBackend backend;
  placement_.attach(backend);
  ActiveSession running = recovered(1, SessionStatus::kRunning);
  running.session.slot = {0x510, 1};
  placement_.recover({running});
  place(2);
  ASSERT_EQ(backend.recovered.size(), 1u);
  ASSERT_EQ(backend.started.size(), 1u);
  const PlacedSession& r = backend.recovered[0];
  const PlacedSession& s = backend.started[0];
  EXPECT_EQ(r.session, session_id(1));
  EXPECT_EQ(r.session_id_text, id_to_string(IdKind::kSession, kShard, session_id(1)));
  EXPECT_EQ(r.save_slot, (Id128{0x510, 1}));
  EXPECT_EQ(s.session, session_id(2));
  EXPECT_EQ(s.session_id_text, id_to_string(IdKind::kSession, kShard, session_id(2)));
  EXPECT_EQ(s.save_slot, (Id128{0x510, 2}));
  for (const PlacedSession* p : {&r, &s}) {
    EXPECT_EQ(p->owner_shard, kShard);
    EXPECT_EQ(p->player_id, "player-1");
    EXPECT_EQ(p->game_slug, "alpha");
    EXPECT_EQ(p->image, "registry.test/alpha:1");
    EXPECT_EQ(p->save_dir, "/save");
    EXPECT_EQ(p->server, 0u);
  }
  EXPECT_TRUE(r.was_running);
  EXPECT_FALSE(r.fresh_slot);
  EXPECT_EQ(r.cpu_millicores, 0u);
  EXPECT_FALSE(s.was_running);
  EXPECT_TRUE(s.fresh_slot);
  EXPECT_EQ(s.cpu_millicores, 1000u);
  EXPECT_EQ(s.memory_mb, 1000u);
}

// A start cut short before the store knew its server goes to a backend that can find it with
// no server (kUnknownServer).
TEST_F(PlacementTest, AnUnplacedStartIsRecoveredWithAnUnknownServer) {
  SilentBackend backend;
  backend.finds_unplaced = true;
  placement_.attach(backend);
  ActiveSession starting = recovered(1, SessionStatus::kStarting);
  starting.session.has_server = false;
  placement_.recover({starting});
  ASSERT_EQ(backend.recovered.size(), 1u);
  EXPECT_EQ(backend.recovered[0].server, kUnknownServer);
  EXPECT_FALSE(backend.recovered[0].was_running);
}

TEST_F(PlacementTest, EndedSessionIsForgottenAfterRetention) {
  place_running(1);
  stop(1);
  advance(0);
  advance(SessionPlacement::kEndedRetentionMs);
  received();
  stop(1);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.cpu_seconds));
}

class TwoServerPlacementTest : public PlacementTest {
 protected:
  TwoServerPlacementTest() : PlacementTest(test_fleet(2)) {}
};

// A backend that starts a session elsewhere than placed (Gameye, after a location's 420) says
// so: the reservation moves with it, and the shard learns the server it runs on.
TEST_F(TwoServerPlacementTest, RelocatedStartHoldsItsNewServerAndRunsThere) {
  place(1);  // both empty: the lowest index, gs01
  ASSERT_EQ(server(0).slots_used, 1u);
  placement_.on_relocated(session_id(1), 1);
  EXPECT_EQ(server(0).slots_used, 0u);
  EXPECT_EQ(server(0).cpu_reserved_millicores, 0u);
  EXPECT_EQ(server(1).slots_used, 1u);
  EXPECT_EQ(server(1).cpu_reserved_millicores, 1000u);
  received();
  advance(kStartMs);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].kind, kMsgSessionRunning);
  EXPECT_EQ(got[0].as<SessionRunning>().server, 1u);

  stop(1);
  advance(0);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, kMsgSessionStopped);
  for (uint32_t i : {0u, 1u}) {
    EXPECT_EQ(server(i).slots_used, 0u);
    EXPECT_EQ(server(i).cpu_reserved_millicores, 0u);
  }
}

}  // namespace
}  // namespace ringside

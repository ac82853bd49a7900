// Placement and what it learns: resource profiles, servers smaller than declared, recovery after a
// restart, relocated starts, forgetting ended sessions.
#include "sched/session_placement.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "model/messages.h"
#include "tests/unit/placement_fixture.h"

namespace ringside {
namespace {

using namespace placement_testing;

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
// (a fresh slot, the limits) differ. Ids are spelled as they were minted: a session of before
// partitions keeps its legacy text (its container's label, its hosted save's name).
TEST_F(PlacementTest, RecoverHandsTheBackendTheSessionAsStartDid) {
  SilentBackend backend;
  placement_.attach(backend);
  ActiveSession running = recovered(1, SessionStatus::kRunning);
  running.session.slot = {0x510, 1};
  const IdOwner legacy{3, true};
  running.session.owner = legacy;
  running.session.slot_owner = legacy;
  placement_.recover({running});
  place(2);
  ASSERT_EQ(backend.recovered.size(), 1u);
  ASSERT_EQ(backend.started.size(), 1u);
  const PlacedSession& r = backend.recovered[0];
  const PlacedSession& s = backend.started[0];
  EXPECT_EQ(r.session, session_id(1));
  EXPECT_EQ(r.session_id_text, id_to_string(IdKind::kSession, legacy, session_id(1)));
  EXPECT_EQ(r.save_slot, (Id128{0x510, 1}));
  EXPECT_EQ(r.save_slot_text, id_to_string(IdKind::kSaveSlot, legacy, Id128{0x510, 1}));
  const IdOwner partition = IdOwner::partition(kPartition);
  EXPECT_EQ(s.session, session_id(2));
  EXPECT_EQ(s.session_id_text, id_to_string(IdKind::kSession, partition, session_id(2)));
  EXPECT_EQ(s.save_slot, (Id128{0x510, 2}));
  EXPECT_EQ(s.save_slot_text, id_to_string(IdKind::kSaveSlot, partition, Id128{0x510, 2}));
  for (const PlacedSession* p : {&r, &s}) {
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

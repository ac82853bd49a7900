// Placement of launches: phases, queueing, stops, failures, lost servers.
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
  // The shard hears it is queued, with its ticket, and the head it is read against is out.
  std::vector<Sent> queued = received();
  ASSERT_EQ(queued.size(), 1u);
  ASSERT_EQ(queued[0].kind, kMsgSessionPhase);
  EXPECT_EQ(queued[0].as<SessionPhaseUpdate>().session, session_id(3));
  EXPECT_EQ(queued[0].as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  EXPECT_EQ(queued[0].as<SessionPhaseUpdate>().queue_ticket, 1u);
  EXPECT_EQ(placement_.metrics().queue_head_ticket.get(), 1u);
  EXPECT_EQ(placement_.metrics().queue_gap_ms.get(), 0u) << "no departure measured yet";

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
  // A departure: the head moves past it, a rate is measured, its wait counted.
  EXPECT_EQ(placement_.metrics().queue_head_ticket.get(), 2u);
  EXPECT_NE(placement_.metrics().queue_departures_milli.get(), 0u);
  EXPECT_EQ(placement_.metrics().queue_wait_count.get(), 1u);

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
  ASSERT_EQ(received().at(0).as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  sim_->restore_server(0);  // back, empty: the queued launch goes there and pulls
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().session, session_id(2));
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kPulling);
}

}  // namespace
}  // namespace ringside

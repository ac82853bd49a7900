// Cluster mode: the game servers are shared by every node. What the other nodes run on a server
// (foreign use, from the backend) is taken here too, and a start that found its server full
// after all (on_no_room: another node took the last slot) is placed again, as a new launch is.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/placement_fixture.h"

namespace ringside {
namespace {

using namespace placement_testing;

size_t count_final(const std::vector<Sent>& got) {
  return static_cast<size_t>(std::count_if(got.begin(), got.end(), [](const Sent& m) {
    return m.kind == kMsgSessionStopped || m.kind == kMsgSessionFailed;
  }));
}

TEST_F(PlacementTest, ForeignUseBlocksAPlacementAndItsDropStartsTheQueuedLaunch) {
  placement_.on_server_foreign(0, {2, 0, 0});  // both slots held by other nodes
  place(1);
  advance(kStartMs);
  const std::vector<Sent> queued = received();
  ASSERT_EQ(queued.size(), 1u);  // queued, and nothing more
  EXPECT_EQ(queued[0].as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  EXPECT_EQ(placement_.queued(), 1u);
  EXPECT_EQ(sim_->session_count(), 0u);

  placement_.on_server_foreign(0, {1, 0, 0});  // one of theirs ended
  advance(kStartMs);
  const std::vector<Sent> got = received();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().kind, kMsgSessionRunning);
  EXPECT_EQ(placement_.queued(), 0u);
}

TEST_F(PlacementTest, OwnReservationsReturnToZeroWhileForeignUseStaysCounted) {
  placement_.on_server_foreign(0, {1, 2000, 4000});
  place_running(1);
  stop(1);
  advance(kStartMs);
  ASSERT_EQ(received().back().kind, kMsgSessionStopped);
  expect_nothing_reserved();
  // The other node's session still takes its slot: of two, one is left.
  place(2);
  place(3);
  EXPECT_EQ(placement_.queued(), 1u);
}

class PlacementNoRoomTest : public PlacementTest {
 protected:
  explicit PlacementNoRoomTest(uint32_t servers = 1) : PlacementTest(test_fleet(servers)) {
    placement_.attach(backend_);
  }

  // The backend found session n's server full: its slots are all held by other nodes.
  void no_room(uint64_t n) {
    const uint32_t on = backend_.started.back().server;
    placement_.on_server_foreign(on, {2, 0, 0});
    placement_.on_no_room(session_id(n));
  }

  SilentBackend backend_;
};

class PlacementNoRoomTwoServersTest : public PlacementNoRoomTest {
 protected:
  PlacementNoRoomTwoServersTest() : PlacementNoRoomTest(2) {}
};

TEST_F(PlacementNoRoomTwoServersTest, AStartWithNoRoomIsStartedOnAnotherServer) {
  place(1);
  ASSERT_EQ(backend_.started.size(), 1u);
  EXPECT_EQ(backend_.started[0].server, 0u);

  no_room(1);
  ASSERT_EQ(backend_.started.size(), 2u);
  EXPECT_EQ(backend_.started[1].session, session_id(1));
  EXPECT_EQ(backend_.started[1].server, 1u);
  EXPECT_EQ(server(0).slots_used, 0u);
  EXPECT_EQ(server(1).slots_used, 1u);
  EXPECT_EQ(count_final(received()), 0u);

  placement_.on_running(session_id(1));
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionRunning>().server, 1u);
}

TEST_F(PlacementNoRoomTest, AStartWithNoRoomAnywhereIsQueuedAgainWithAFreshTimeout) {
  place(1);
  advance(kQueueTimeoutMs - 1000);
  no_room(1);
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionPhaseUpdate>().phase, StartPhase::kQueued);
  EXPECT_EQ(placement_.queued(), 1u);
  EXPECT_EQ(placement_.active(), 1u);
  expect_nothing_reserved();

  // The queue timeout counts from being queued again, not from the launch.
  advance(kQueueTimeoutMs - 1000);
  EXPECT_TRUE(received().empty());
  advance(1000);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kNoServers);
  EXPECT_EQ(backend_.started.size(), 1u);
}

TEST_F(PlacementNoRoomTest, AQueuedAgainStartIsStartedWhenTheOthersLetGo) {
  place(1);
  no_room(1);
  (void)received();
  placement_.on_server_foreign(0, {1, 0, 0});
  ASSERT_EQ(backend_.started.size(), 2u);
  EXPECT_EQ(backend_.started[1].session, session_id(1));
  EXPECT_EQ(server().slots_used, 1u);
  EXPECT_EQ(placement_.queued(), 0u);
}

TEST_F(PlacementNoRoomTest, AStartWithNoRoomAndAFullQueueFailsNoServers) {
  place(1);
  place(2);
  place(3);  // the queue (2) fills
  place(4);
  ASSERT_EQ(placement_.queued(), 2u);
  (void)received();  // 3 and 4 queued
  no_room(1);
  const std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionFailed>().session, session_id(1));
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kNoServers);
  EXPECT_EQ(server().slots_used, 1u);  // session 2's
}

TEST_F(PlacementNoRoomTest, AStopAskedBeforeTheNoRoomEndsItStoppedOnce) {
  place(1);
  stop(1);     // the backend is stopping it when it finds no room
  no_room(1);  // the backend forgot it: nothing more comes from it
  const std::vector<Sent> got = received();
  ASSERT_EQ(count_final(got), 1u);
  EXPECT_EQ(got.back().as<SessionStopped>().session, session_id(1));
  EXPECT_EQ(backend_.started.size(), 1u);
  EXPECT_EQ(placement_.active(), 0u);
  expect_nothing_reserved();

  placement_.on_stopped(session_id(1), {});  // a backend that reports anyway: ignored
  advance(kQueueTimeoutMs);
  EXPECT_TRUE(received().empty());
}

TEST_F(PlacementNoRoomTest, AStopWhileQueuedAgainEndsItStoppedOnce) {
  place(1);
  no_room(1);
  stop(1);
  advance(kQueueTimeoutMs);
  const std::vector<Sent> got = received();
  ASSERT_EQ(count_final(got), 1u);
  EXPECT_EQ(got.back().as<SessionStopped>().session, session_id(1));
  EXPECT_EQ(placement_.queued(), 0u);
  EXPECT_EQ(placement_.active(), 0u);
}

// What a backend's on_no_room for a session that is not a start logged: the error lines, one
// per report.
size_t unexpected_no_rooms(const std::string& log, std::string_view session_text) {
  size_t lines = 0;
  for (size_t at = log.find("level=error event=session_no_room_unexpected");
       at != std::string::npos;
       at = log.find("level=error event=session_no_room_unexpected", at + 1)) {
    const size_t end = log.find('\n', at);
    lines += log.substr(at, end - at).find(session_text) != std::string::npos;
  }
  return lines;
}

std::string session_text(uint64_t n) {
  return "session=" + id_to_string(IdKind::kSession, IdOwner::partition(kPartition), session_id(n));
}

// A backend's mistake: a no-room for a session that ran. The backend forgot it and ignores a
// stop for it, so placement ends it lost — its player sees it end, its room is given back —
// instead of holding it running forever with no final message. It is not placed again.
TEST_F(PlacementNoRoomTest, ANoRoomForASessionThatRanEndsItLost) {
  place(1);
  placement_.on_running(session_id(1));
  ASSERT_EQ(received().back().kind, kMsgSessionRunning);

  testing::internal::CaptureStderr();
  placement_.on_no_room(session_id(1));
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(unexpected_no_rooms(log, session_text(1)), 1u) << log;
  std::vector<Sent> got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].as<SessionFailed>().error, SessionError::kContainerLost);
  EXPECT_EQ(placement_.active(), 0u);
  expect_nothing_reserved();
  EXPECT_EQ(backend_.started.size(), 1u);

  // A stop that crossed it is answered from the ended record: figures unknown.
  stop(1);
  got = received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(std::isnan(got[0].as<SessionStopped>().figures.cpu_seconds));
}

// The same while its stop is under way: the backend will not answer that stop any more.
TEST_F(PlacementNoRoomTest, ANoRoomForASessionStoppingAfterItRanEndsItLostOnce) {
  place(1);
  placement_.on_running(session_id(1));
  stop(1);
  (void)received();

  testing::internal::CaptureStderr();
  placement_.on_no_room(session_id(1));
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(unexpected_no_rooms(log, session_text(1)), 1u) << log;
  const std::vector<Sent> got = received();
  ASSERT_EQ(count_final(got), 1u);
  EXPECT_EQ(got.back().as<SessionFailed>().error, SessionError::kContainerLost);
  expect_nothing_reserved();

  placement_.on_stopped(session_id(1), {});  // a backend that reports anyway: ignored
  EXPECT_TRUE(received().empty());
}

// A no-room for a queued launch (the backend holds nothing of it) or an ended one (its final
// message sent) is logged and changes nothing: the queued launch still starts when room frees.
TEST_F(PlacementNoRoomTest, ANoRoomForAQueuedOrEndedSessionIsLoggedAndChangesNothing) {
  place(1);
  place(2);
  placement_.on_start_failed(session_id(1), SessionError::kStartFailed);  // 1 ended
  place(3);
  place(4);  // both slots taken (2, 3): queued
  ASSERT_EQ(placement_.queued(), 1u);
  (void)received();

  testing::internal::CaptureStderr();
  placement_.on_no_room(session_id(1));
  placement_.on_no_room(session_id(4));
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(unexpected_no_rooms(log, session_text(1)), 1u) << log;
  EXPECT_EQ(unexpected_no_rooms(log, session_text(4)), 1u) << log;
  EXPECT_TRUE(received().empty());
  EXPECT_EQ(placement_.queued(), 1u);
  EXPECT_EQ(placement_.active(), 3u);
  EXPECT_EQ(server().slots_used, 2u);
  ASSERT_EQ(backend_.started.size(), 3u);

  placement_.on_start_failed(session_id(2), SessionError::kStartFailed);
  ASSERT_EQ(backend_.started.size(), 4u);
  EXPECT_EQ(backend_.started.back().session, session_id(4));
}

}  // namespace
}  // namespace ringside

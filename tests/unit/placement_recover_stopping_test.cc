// Placement recovering a session whose stop was under way when the node that had it went (a
// restart, or a partition handed over): the backend is told it was stopping, and a stop that
// comes while the backend looks for it is sent once the backend adopted it.
#include <gtest/gtest.h>

#include <cmath>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/unit/placement_fixture.h"

namespace ringside::placement_testing {
namespace {

// A backend that does nothing by itself and keeps what it was given, stops included.
class RecordingBackend final : public Backend {
 public:
  std::string_view name() const override { return "recording"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  bool has_image(uint32_t, std::string_view) const override { return false; }
  void start(PlacedSession) override {}
  void stop(const Id128& session) override { stopped.push_back(session); }
  void recover(std::vector<PlacedSession> sessions) override { recovered = std::move(sessions); }
  void forget(const Id128&) override {}

  std::vector<PlacedSession> recovered;
  std::vector<Id128> stopped;

 private:
  std::vector<GameServerInfo> servers_;
};

class PlacementRecoverStoppingTest : public PlacementTest {
 protected:
  PlacementRecoverStoppingTest() { placement_.attach(backend_); }
  RecordingBackend backend_;
};

TEST_F(PlacementRecoverStoppingTest, TheBackendIsToldWhichRecoveredSessionsWereStopping) {
  placement_.recover({recovered(1, SessionStatus::kRunning), recovered(2, SessionStatus::kStopping),
                      recovered(3, SessionStatus::kStarting)});
  ASSERT_EQ(backend_.recovered.size(), 3u);
  EXPECT_FALSE(backend_.recovered[0].was_stopping);
  EXPECT_TRUE(backend_.recovered[1].was_stopping);
  EXPECT_TRUE(backend_.recovered[1].was_running);  // it ran: a container that ran is looked for
  EXPECT_FALSE(backend_.recovered[2].was_stopping);
}

// A stop while the backend looks for the session waits for its report: adopted, the stop goes
// to the backend then (and the shard hears of the stop only); found ended by the earlier stop,
// on_stopped ends it, and no stop is sent.
TEST_F(PlacementRecoverStoppingTest, AStopDuringRecoveryGoesToTheBackendOnceAdopted) {
  placement_.recover(
      {recovered(1, SessionStatus::kStopping), recovered(2, SessionStatus::kStopping)});
  stop(1);
  stop(2);
  EXPECT_TRUE(backend_.stopped.empty());

  placement_.on_running(session_id(1));
  EXPECT_EQ(backend_.stopped, std::vector<Id128>{session_id(1)});
  for (const Sent& s : received()) EXPECT_NE(s.kind, kMsgSessionRunning);

  placement_.on_stopped(session_id(2), SessionFigures{NAN, NAN, 4096});
  EXPECT_EQ(backend_.stopped, std::vector<Id128>{session_id(1)});
  const std::vector<Sent> got = received();
  ASSERT_FALSE(got.empty());
  ASSERT_EQ(got.back().kind, kMsgSessionStopped);
  EXPECT_EQ(got.back().as<SessionStopped>().figures.save_bytes, 4096u);
}

}  // namespace
}  // namespace ringside::placement_testing

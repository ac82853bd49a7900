// The queue shown (SPEC "Time limits and the queue"): while a launch waits for capacity its
// status, details and current show phase queued, queuePosition (1 = next) and
// estimatedStartSeconds; positions fall as the queue moves. A one-slot simulated fleet forces
// the queueing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

class SessionsQueueTest : public SessionsTest {
 protected:
  ::testing::AssertionResult start_one_slot() {
    return start({"--sim-servers", "1", "--sim-slots-per-server", "1"});
  }

  struct Player {
    std::string token;
    std::string session;
  };

  // The queue fields of a status answer, after checking it is queued.
  static ::testing::AssertionResult queued_at(const Json& s, int64_t position) {
    if (s["status"].str() != "starting" || s["phase"].str() != "queued") {
      return ::testing::AssertionFailure() << "not queued: " << s.text();
    }
    if (s["queuePosition"].integer() != position) {
      return ::testing::AssertionFailure()
             << "queuePosition is not " << position << ": " << s.text();
    }
    const std::optional<int64_t> estimate = s["estimatedStartSeconds"].integer();
    if (!estimate || *estimate < 0) {
      return ::testing::AssertionFailure() << "no integer estimatedStartSeconds: " << s.text();
    }
    return ::testing::AssertionSuccess();
  }

  // Polls until `p`'s session is queued at `position` (its phase message may trail the 202).
  ::testing::AssertionResult becomes_queued_at(const Player& p, int64_t position) {
    Json s;
    for (int polls = 0; polls < 200; ++polls) {
      s = json_of(api().status(p.token, p.session));
      if (queued_at(s, position)) return ::testing::AssertionSuccess();
      sleep_ms(10);
    }
    return queued_at(s, position);
  }
};

TEST_F(SessionsQueueTest, QueuedLaunchesShowPositionsInOrderThatFallAsTheQueueMoves) {
  ASSERT_TRUE(start_one_slot());
  Player first{api().token_for("p0"), ""};
  first.session = api().launch_running(first.token, game_body(kGame));
  ASSERT_FALSE(first.session.empty());

  std::vector<Player> waiting;
  for (int i = 1; i <= 3; ++i) {
    std::string name = "p";
    name += std::to_string(i);  // (GCC 12 misreads "p" + to_string(i) as an overlapping copy)
    Player p{api().token_for(name), ""};
    p.session = api().launch_accepted(p.token, game_body(kGame));
    ASSERT_FALSE(p.session.empty());
    waiting.push_back(p);
  }
  for (size_t i = 0; i < waiting.size(); ++i) {
    EXPECT_TRUE(becomes_queued_at(waiting[i], static_cast<int64_t>(i) + 1)) << "player " << i;
  }
  // The same in details and in current.
  EXPECT_TRUE(queued_at(json_of(api().details(waiting[2].token, waiting[2].session)), 3));
  EXPECT_TRUE(queued_at(json_of(api().current(waiting[1].token))["session"], 2));
  // Later in the queue, no earlier start.
  const int64_t e1 =
      *json_of(api().status(waiting[0].token, waiting[0].session))["estimatedStartSeconds"]
           .integer();
  const int64_t e3 =
      *json_of(api().status(waiting[2].token, waiting[2].session))["estimatedStartSeconds"]
           .integer();
  EXPECT_LE(e1, e3);

  // The running one stops: the first queued runs, the others move up by one.
  api().stop_ok(first.token, first.session);
  Json ran = api().wait_while_starting(waiting[0].token, waiting[0].session);
  EXPECT_EQ(ran["status"].str(), "running") << ran.text();
  EXPECT_FALSE(ran["queuePosition"].exists()) << ran.text();
  EXPECT_TRUE(becomes_queued_at(waiting[1], 1));
  EXPECT_TRUE(becomes_queued_at(waiting[2], 2));

  // One ahead gives up: the last is next.
  api().stop_ok(waiting[1].token, waiting[1].session);
  EXPECT_TRUE(becomes_queued_at(waiting[2], 1));

  // A departure was measured: the metrics show the wait and the rate.
  auto m = api().metrics();
  ASSERT_TRUE(has_status(m, 200));
  EXPECT_NE(m->body.find("ringside_queue_wait_seconds_count 1\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("# TYPE ringside_queue_departures_per_second gauge"), std::string::npos);
  EXPECT_EQ(m->body.find("ringside_queue_departures_per_second 0\n"), std::string::npos)
      << "a departure happened: the rate is measured" << m->body;
}

TEST_F(SessionsQueueTest, AnIdleFleetShowsEveryQueueMetricAndEveryEndReasonAtZero) {
  ASSERT_TRUE(start_one_slot());
  auto m = api().metrics();
  ASSERT_TRUE(has_status(m, 200));
  for (const char* line :
       {"ringside_queue_wait_seconds_bucket{le=\"+Inf\"} 0\n",
        "ringside_queue_wait_seconds_count 0\n", "ringside_queue_departures_per_second 0\n",
        "ringside_sessions_ended_total{reason=\"stopped\"} 0\n",
        "ringside_sessions_ended_total{reason=\"idle_timeout\"} 0\n",
        "ringside_sessions_ended_total{reason=\"error\"} 0\n",
        "ringside_sessions_ended_total{reason=\"max_duration\"} 0\n",
        "ringside_sessions_ended_total{reason=\"operator_stop\"} 0\n",
        "ringside_sessions_ended_total{reason=\"server_drained\"} 0\n"}) {
    EXPECT_NE(m->body.find(line), std::string::npos) << line << m->body;
  }
}

}  // namespace
}  // namespace ringside::itest

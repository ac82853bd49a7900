// What a player is billed for (issue 14, docs/decisions.md): `duration` is the time the game
// was running, from `running` to the end, not from the launch: a launch that waited in the
// queue before it ran is not billed for the wait. It is durable: the same after a restart
// with --database-url.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;
using Clock = std::chrono::steady_clock;

struct Player {
  std::string token;
  std::string session;
};

Player player(itest::ApiClient& api, const std::string& id) {
  return {api.token_for(id, kGame), {}};
}

TEST_F(DockerE2eTest, DurationCountsTheRunningTimeNotTheQueueAndSurvivesARestart) {
  pgtest::ScratchDatabase db;
  // One slot per engine: a third launch waits in the queue.
  const std::vector<std::string> flags = {"--database-url", db.url(), "--docker-engine-slots", "1"};
  ASSERT_TRUE(start(flags));
  Player a = player(api(), "e2e-duration-a");
  Player b = player(api(), "e2e-duration-b");
  Player queued = player(api(), "e2e-duration-queued");
  a.session = api().launch_running(a.token, game_body());
  b.session = api().launch_running(b.token, game_body());
  ASSERT_FALSE(a.session.empty());
  ASSERT_FALSE(b.session.empty());
  const auto b_running = Clock::now();

  queued.session = api().launch_accepted(queued.token, game_body());
  ASSERT_FALSE(queued.session.empty());
  Json waiting = json_of(api().status(queued.token, queued.session));
  ASSERT_EQ(waiting["phase"].str(), "queued") << waiting.text();
  constexpr int kQueuedSeconds = 4;  // the wait that is not play
  std::this_thread::sleep_for(std::chrono::seconds(kQueuedSeconds));

  ASSERT_TRUE(api().stop_ok(a.token, a.session).exists());  // its engine takes the queued one
  Json running = api().wait_while_starting(queued.token, queued.session, 60'000, 1);
  ASSERT_EQ(running["status"].str(), "running") << running.text();
  Json stopped = api().stop_ok(queued.token, queued.session);
  ASSERT_TRUE(stopped.exists());
  // Stopped at once: what it ran is the stop itself (figures read, the game's save on SIGTERM,
  // the save copied out), a second or two, never the wait before it ran.
  const int64_t duration = stopped["duration"].integer().value_or(-1);
  EXPECT_GE(duration, 0) << stopped.text();
  EXPECT_LT(duration, kQueuedSeconds) << stopped.text();

  kill_hard();
  ASSERT_TRUE(start(flags));
  Json history = json_of(api().history(queued.token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["duration"].integer(), duration) << history.text();
  EXPECT_EQ(json_of(api().details(queued.token, queued.session))["duration"].integer(), duration);

  // b ran on through the restart (adopted): billed from when it first became running.
  ASSERT_EQ(api().wait_while_starting(b.token, b.session)["status"].str(), "running");
  Json b_stopped = api().stop_ok(b.token, b.session);
  ASSERT_TRUE(b_stopped.exists());
  const auto b_ran = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - b_running);
  EXPECT_GE(b_stopped["duration"].integer().value_or(-1), b_ran.count() - 1) << b_stopped.text();
  EXPECT_LE(b_stopped["duration"].integer().value_or(-1), b_ran.count() + 1) << b_stopped.text();
}

}  // namespace
}  // namespace ringside::dockere2e

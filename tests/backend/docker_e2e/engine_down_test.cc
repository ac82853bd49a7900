// One engine's dockerd killed: ringside marks it down and every new launch goes to, and runs
// on, the engine that is left. (tools/docker-env rebuilds the environment for the next test.)
#include <signal.h>

#include <string>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

TEST_F(DockerE2eTest, WithOneEngineKilledNewLaunchesGoToTheOther) {
  ASSERT_TRUE(start());
  const int pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  // The engine answers no ping (every 2 s, 2 s timeout) and is marked down.
  ASSERT_TRUE(wait_for_log("event=game_server_health server=docker2 up=0", 10000));

  struct Launch {
    std::string token, session;
  };
  std::vector<Launch> launches(3);
  for (size_t i = 0; i < launches.size(); ++i) {
    Launch& l = launches[i];
    l.token = api().token_for("e2e-engine-down-" + std::to_string(i), kGame);
    ASSERT_FALSE(l.token.empty());
    l.session = api().launch_running(l.token, game_body());
    ASSERT_FALSE(l.session.empty()) << "launch " << i << " did not run";
    std::optional<Container> c = container_of(l.session);
    ASSERT_TRUE(c) << "no container for " << l.session << " on the engine that is up";
    EXPECT_EQ(c->engine, 0u);
    EXPECT_EQ(c->state, "running");
  }
  // No launch failed on the way (none was placed on the engine that is down).
  std::optional<itest::HttpResponse> metrics = api().metrics();
  ASSERT_TRUE(metrics);
  EXPECT_EQ(itest::metric_value(metrics->body, "ringside_placements_total{outcome=\"failed\"}"), 0)
      << metrics->body;
  // /metrics shows which engine is down; /readyz stays ready while one is up.
  EXPECT_EQ(itest::metric_value(metrics->body, "ringside_game_server_up{server=\"docker2\"}"), 0)
      << metrics->body;
  EXPECT_EQ(itest::metric_value(metrics->body, "ringside_game_server_up{server=\"docker1\"}"), 1);
  std::optional<itest::HttpResponse> ready = api().send("GET", "/readyz", "", "");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  for (const Launch& l : launches) {
    Json stopped = api().stop_ok(l.token, l.session);
    EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  }
  EXPECT_TRUE(ringside_containers(0).empty());
}

}  // namespace
}  // namespace ringside::dockere2e

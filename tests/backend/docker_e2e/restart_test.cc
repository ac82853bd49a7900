// ringside with --database-url killed with -9 while players play: started again with the same
// flags, it adopts the containers that ran on, and its sessions stop as if nothing happened.
#include <string>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

struct Player {
  std::string id;
  std::string token;
  std::string session;
  std::string container;
};

TEST_F(DockerE2eTest, AfterKillNineARestartAdoptsTheRunningContainers) {
  pgtest::ScratchDatabase db;
  const std::vector<std::string> flags = {"--database-url", db.url()};
  ASSERT_TRUE(start(flags));
  std::vector<Player> players(2);
  for (size_t i = 0; i < players.size(); ++i) {
    Player& p = players[i];
    p.id = "e2e-restart-" + std::to_string(i);
    p.token = api().token_for(p.id, kGame);
    ASSERT_FALSE(p.token.empty());
    p.session = api().launch_running(p.token, game_body());
    ASSERT_FALSE(p.session.empty());
    std::optional<Container> c = container_of(p.session);
    ASSERT_TRUE(c);
    p.container = c->id;
  }

  kill_hard();
  for (const Player& p : players) {
    std::optional<Container> c = container_of(p.session);
    ASSERT_TRUE(c && c->state == "running") << "the container did not run on without ringside";
  }

  ASSERT_TRUE(start(flags));
  for (const Player& p : players) {
    SCOPED_TRACE(p.id);
    Json status = api().wait_while_starting(p.token, p.session);
    EXPECT_EQ(status["status"].str(), "running") << status.text();
    std::optional<Container> c = container_of(p.session);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->id, p.container) << "not adopted: another container";
    EXPECT_EQ(c->state, "running");
  }
  for (const Player& p : players) {
    SCOPED_TRACE(p.id);
    Json stopped = api().stop_ok(p.token, p.session);
    ASSERT_TRUE(stopped.exists());
    EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
    EXPECT_GT(stopped["peakMemoryMb"].number().value_or(0), 0) << stopped.text();
    EXPECT_FALSE(container_of(p.session)) << "the container outlived its session";

    Json history = json_of(api().history(p.token));
    ASSERT_EQ(history.size(), 1u) << history.text();
    EXPECT_EQ(history.at(0)["sessionId"].str(), p.session);
    EXPECT_EQ(history.at(0)["endReason"].str(), "stopped") << history.text();
    EXPECT_EQ(history.at(0)["cpuSeconds"].number(), stopped["cpuSeconds"].number());
  }
  EXPECT_TRUE(ringside_containers(0).empty());
  EXPECT_TRUE(ringside_containers(1).empty());
}

}  // namespace
}  // namespace ringside::dockere2e

// ringside with --database-url killed with -9 while players play: started again with the same
// flags, it adopts the containers that ran on, and its sessions stop as if nothing happened.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
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

// Killed during a launch, after the game's container started but before it was healthy (its
// image has a HEALTHCHECK that passes only once /save/ready exists): the restarted ringside
// adopts that container and waits for healthy as the start did. The player's session goes on
// to `running` with the same container, and stops as any other.
TEST_F(DockerE2eTest, AKillDuringALaunchWhoseContainerStartedIsAdoptedAtRestart) {
  write_catalog(image_with_healthcheck(
      "--interval=1s --timeout=1s --start-period=120s CMD test -f /save/ready"));
  pgtest::ScratchDatabase db;
  pgtest::Admin admin(db.url());
  const std::vector<std::string> flags = {"--database-url", db.url()};
  ASSERT_TRUE(start(flags));
  const std::string token = api().token_for("e2e-restart-launch", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_accepted(token, game_body());
  ASSERT_FALSE(session.empty());

  // Its container runs, the session is still starting, and the store knows where it went.
  std::optional<Container> started;
  std::string server;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    started = container_of(session);
    server = admin.value("SELECT coalesce(server, '') FROM sessions WHERE id = '" + session + "'");
    if (started && started->state == "running" && !server.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(started && started->state == "running") << "the container never ran";
  ASSERT_FALSE(server.empty()) << "the store never learnt the launch's server";
  Json before = json_of(api().status(token, session));
  ASSERT_EQ(before["status"].str(), "starting") << before.text();

  kill_hard();
  ASSERT_TRUE(start(flags));
  // Adopted, still waiting for healthy: neither failed nor its container removed.
  ASSERT_TRUE(wait_for_log("event=docker_adopted_start", 10000));
  Json waiting = json_of(api().status(token, session));
  EXPECT_EQ(waiting["status"].str(), "starting") << waiting.text();
  std::optional<Container> c = container_of(session);
  ASSERT_TRUE(c && c->state == "running") << "the container did not survive the restart";
  EXPECT_EQ(c->id, started->id);

  ASSERT_EQ(docker(c->engine, "exec " + c->id + " touch /save/ready").exit_code, 0);
  Json status = api().wait_while_starting(token, session, 20000);
  EXPECT_EQ(status["status"].str(), "running") << status.text();
  c = container_of(session);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->id, started->id) << "not adopted: another container";

  Json stopped = api().stop_ok(token, session);
  ASSERT_TRUE(stopped.exists());
  EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  EXPECT_FALSE(container_of(session)) << "the container outlived its session";
}

}  // namespace
}  // namespace ringside::dockere2e

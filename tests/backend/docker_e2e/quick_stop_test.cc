// A session stopped right after it came up must not make its game unplaceable (issue 14): its
// CPU over a few milliseconds of running once read as ~10 cores, replaced the game's profile,
// and every later launch of the game ended in no_servers, also after a restart since the
// profile is stored. Now such a sample teaches nothing, and a profile already stored that large
// is bounded by the largest engine when it is read back.
#include <chrono>
#include <string>
#include <thread>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

// A launch of the game that must run; stopped again once it does.
void expect_launch_runs(itest::ApiClient& api, const std::string& player) {
  SCOPED_TRACE(player);
  const std::string token = api.token_for(player, kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api.launch_running(token, game_body());
  ASSERT_FALSE(session.empty()) << "the game could not be placed any more";
  EXPECT_TRUE(api.stop_ok(token, session).exists());
}

TEST_F(DockerE2eTest, AStopRightAfterRunningLeavesTheGamePlaceable) {
  // The fleet declares what this machine has: a profile above it fits no engine.
  ASSERT_TRUE(start({"--docker-engine-cpu", std::to_string(engine_cpus() * 1000)}));
  const std::string token = api().token_for("e2e-quick-stop", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_accepted(token, game_body());
  ASSERT_FALSE(session.empty());
  // Stopped the moment it shows running: its start-up CPU over almost no running time.
  Json running = api().wait_while_starting(token, session, 60'000, /*poll_ms=*/1);
  ASSERT_EQ(running["status"].str(), "running") << running.text();
  ASSERT_TRUE(api().stop_ok(token, session).exists());

  // The same player again, and others: every launch of the game runs.
  expect_launch_runs(api(), "e2e-quick-stop");
  expect_launch_runs(api(), "e2e-quick-stop-2");
  expect_launch_runs(api(), "e2e-quick-stop-3");
}

TEST_F(DockerE2eTest, AProfileStoredLargerThanEveryEngineIsBoundedAtStart) {
  pgtest::ScratchDatabase db;
  const std::vector<std::string> flags = {"--database-url", db.url(), "--docker-engine-cpu",
                                          std::to_string(engine_cpus() * 1000)};
  ASSERT_TRUE(start(flags));  // migrates
  kill_hard();
  // What an older version stored after a quick stop: ~10 cores, more than any engine has.
  pgtest::Admin admin(db.url());
  admin.exec(
      "INSERT INTO game_profiles (game_slug, cpu_cores, memory_mb, cpu_samples, memory_samples)"
      " VALUES ('" +
      std::string(kGame) + "', 10.4, 64, 1, 1)");

  ASSERT_TRUE(start(flags));
  expect_launch_runs(api(), "e2e-poisoned-1");
  expect_launch_runs(api(), "e2e-poisoned-2");
  // The stored profile is repaired too: the next start reads it within the engines' CPUs.
  const double cpus = engine_cpus();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  double stored = 0;
  do {
    stored = std::stod(admin.value("SELECT cpu_cores FROM game_profiles WHERE game_slug = '" +
                                   std::string(kGame) + "'"));
    if (stored <= cpus) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_LE(stored, cpus);
}

}  // namespace
}  // namespace ringside::dockere2e

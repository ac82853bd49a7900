// Time limits on real engines (issue 17): a session at --max-session-seconds is stopped
// through the normal stop — the game's save file comes back to its slot, figures reported,
// endReason max_duration — with --database-url (the end written to PostgreSQL), and a
// restart in the middle keeps the limit counted from the persisted running time.
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
using Clock = std::chrono::steady_clock;

// Polls session-status until the session is no longer running or stopping (up to 60 s).
Json wait_until_ended(itest::ApiClient& api, const std::string& token, const std::string& id) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    Json status = json_of(api.status(token, id));
    const std::string s = status["status"].str();
    if ((s != "running" && s != "stopping") || Clock::now() >= deadline) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// What a stop at the limit leaves: the session ended max_duration with its figures, no
// container, and the game's save file in the player's slot.
void expect_stopped_at_the_limit_with_its_save(itest::ApiClient& api, const std::string& token,
                                               const std::string& id, const Json& ended) {
  EXPECT_EQ(ended["status"].str(), "stopped") << ended.text();
  Json history = json_of(api.history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["sessionId"].str(), id);
  EXPECT_EQ(history.at(0)["endReason"].str(), "max_duration") << history.text();
  EXPECT_GT(history.at(0)["cpuSeconds"].number().value_or(0), 0) << history.text();
  Json slots = json_of(api.save_slots(token))["slots"];
  ASSERT_EQ(slots.size(), 1u) << slots.text();
  EXPECT_GT(slots.at(0)["sizeBytes"].integer().value_or(0), 0) << slots.text();
}

TEST_F(DockerE2eTest, MaxDurationStopsTheSessionAndTheGamesSaveFileSurvives) {
  pgtest::ScratchDatabase db;
  ASSERT_TRUE(start({"--database-url", db.url(), "--max-session-seconds", "5"}));
  const std::string token = api().token_for("e2e-limit", kGame);
  ASSERT_FALSE(token.empty());
  const std::string id = api().launch_running(token, game_body());
  ASSERT_FALSE(id.empty());
  Json running = json_of(api().status(token, id));
  ASSERT_TRUE(itest::is_rfc3339_utc(running["endsAt"])) << running.text();
  ASSERT_TRUE(container_of(id));

  const Json ended = wait_until_ended(api(), token, id);
  expect_stopped_at_the_limit_with_its_save(api(), token, id, ended);
  EXPECT_FALSE(container_of(id)) << "the container outlived its session";
  // The game ticked about once a second for 5 s, and what it wrote came back.
  EXPECT_GE(last_tick(saved_progress()), 2) << saved_progress();
}

TEST_F(DockerE2eTest, MaxDurationAfterARestartCountsFromTheFirstRunning) {
  pgtest::ScratchDatabase db;
  const std::vector<std::string> flags = {"--database-url", db.url(), "--max-session-seconds",
                                          "10"};
  ASSERT_TRUE(start(flags));
  const std::string token = api().token_for("e2e-limit-restart", kGame);
  const std::string id = api().launch_running(token, game_body());
  ASSERT_FALSE(id.empty());
  const std::string ends_at = json_of(api().status(token, id))["endsAt"].str();
  ASSERT_FALSE(ends_at.empty());

  kill_hard();
  ASSERT_TRUE(start(flags));
  Json status = api().wait_while_starting(token, id);
  ASSERT_EQ(status["status"].str(), "running") << status.text();
  EXPECT_EQ(status["endsAt"].str(), ends_at) << "the limit counts from the first running";

  const auto before_end = Clock::now();
  const Json ended = wait_until_ended(api(), token, id);
  EXPECT_LT(Clock::now() - before_end, std::chrono::seconds(20));
  expect_stopped_at_the_limit_with_its_save(api(), token, id, ended);
  EXPECT_FALSE(container_of(id));
  EXPECT_GE(last_tick(saved_progress()), 2) << saved_progress();
}

}  // namespace
}  // namespace ringside::dockere2e

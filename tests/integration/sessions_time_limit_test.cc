// Time limits (SPEC "Time limits and the queue"): a game's maxSessionSeconds or
// --max-session-seconds stops a session that long after it became running, through the normal
// stop (endReason max_duration in history, figures kept); endsAt shows while it runs. The
// game's value wins over the flag.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/server_process.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

constexpr std::string_view kShortGame = "short-game";  // maxSessionSeconds 2
constexpr std::string_view kPlainGame = "plain-game";  // no limit of its own

class SessionsTimeLimitTest : public SessionsTest {
 protected:
  void TearDown() override {
    SessionsTest::TearDown();
    if (!catalog_.empty()) std::filesystem::remove(catalog_);
  }

  // Starts ringside on a catalog of the two games, plus `flags`.
  ::testing::AssertionResult start_with_catalog(std::vector<std::string> flags = {}) {
    catalog_ = (std::filesystem::temp_directory_path() /
                ("ringside-itest-limits-" + std::to_string(::getpid()) + ".json"))
                   .string();
    std::ofstream(catalog_) << R"({"games": [
      {"slug": "short-game", "title": "Short", "image": "short:1", "sizeMb": 1,
       "maxSessionSeconds": 2},
      {"slug": "plain-game", "title": "Plain", "image": "plain:1", "sizeMb": 1}]})";
    flags.insert(flags.begin(), {"--catalog", catalog_});
    return start(flags);
  }

  struct Running {
    std::string id;
    time_t not_before = 0;  // the last poll that still saw it starting was sent after this
    time_t by = 0;          // the first poll that saw it running had its answer by this
    Json status;
  };
  // Launches `game` and polls until it runs, bracketing the moment it became running.
  Running launch_running(const std::string& token, std::string_view game) {
    Running r;
    r.id = api().launch_accepted(token, game_body(game));
    for (int polls = 0; polls < 2000 && !r.id.empty(); ++polls) {
      const time_t sent = std::time(nullptr);
      Json s = json_of(api().status(token, r.id));
      if (s["status"].str() == "running") {
        r.by = std::time(nullptr);
        r.status = s;
        return r;
      }
      EXPECT_EQ(s["status"].str(), "starting") << s.text();
      r.not_before = sent;
      sleep_ms(5);
    }
    ADD_FAILURE() << "never running";
    return r;
  }

  // Polls until the session is no longer active; its final status answer.
  Json wait_until_ended(const std::string& token, const std::string& id, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      Json s = json_of(api().status(token, id));
      const std::string status = s["status"].str();
      if (status != "running" && status != "stopping") return s;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "still " << status << " after " << timeout_ms << " ms";
        return s;
      }
      sleep_ms(50);
    }
  }

  std::string catalog_;
};

::testing::AssertionResult ends_at_is(const Json& j, time_t earliest, time_t latest) {
  if (!is_rfc3339_utc(j["endsAt"])) {
    return ::testing::AssertionFailure() << "no RFC 3339 endsAt: " << j.text();
  }
  const time_t at = *parse_rfc3339_utc(j["endsAt"].str());
  if (at < earliest || at > latest) {
    return ::testing::AssertionFailure()
           << "endsAt " << at << " outside [" << earliest << ", " << latest << "]: " << j.text();
  }
  return ::testing::AssertionSuccess();
}

TEST_F(SessionsTimeLimitTest, AGamesLimitStopsTheSessionAsMaxDurationKeepingItsFigures) {
  ASSERT_TRUE(start_with_catalog());
  const std::string token = api().token_for("alice");
  Running r = launch_running(token, kShortGame);
  ASSERT_FALSE(r.id.empty());
  // endsAt = the running time + 2 s (whole seconds, rounded down).
  EXPECT_TRUE(ends_at_is(r.status, r.not_before + 2 - 1, r.by + 2)) << "session-status";
  EXPECT_TRUE(ends_at_is(json_of(api().details(token, r.id)), r.not_before + 1, r.by + 2))
      << "details";
  EXPECT_TRUE(ends_at_is(json_of(api().current(token))["session"], r.not_before + 1, r.by + 2))
      << "current";

  Json ended = wait_until_ended(token, r.id, 6000);
  EXPECT_EQ(ended["status"].str(), "stopped") << ended.text();
  EXPECT_FALSE(ended["endsAt"].exists()) << "no endsAt once ended: " << ended.text();

  Json history = json_of(api().history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["sessionId"].str(), r.id);
  EXPECT_EQ(history.at(0)["endReason"].str(), "max_duration") << history.text();
  EXPECT_TRUE(history.at(0)["cpuSeconds"].is_number()) << "figures reported: " << history.text();
  const int64_t duration = history.at(0)["duration"].integer().value_or(-1);
  EXPECT_GE(duration, 1) << history.text();
  EXPECT_LE(duration, 3) << history.text();

  // A stop now answers like the player's own stop of an ended session.
  Json again = json_of(api().stop(token, r.id));
  EXPECT_EQ(again["status"].str(), "stopped") << again.text();

  auto m = api().metrics();
  ASSERT_TRUE(has_status(m, 200));
  EXPECT_NE(m->body.find("ringside_sessions_ended_total{reason=\"max_duration\"} 1"),
            std::string::npos)
      << m->body;
}

TEST_F(SessionsTimeLimitTest, TheGamesLimitWinsOverTheFlagWhichCoversTheOtherGames) {
  ASSERT_TRUE(start_with_catalog({"--max-session-seconds", "3600"}));
  const std::string alice = api().token_for("alice");
  const std::string bob = api().token_for("bob");
  Running plain = launch_running(bob, kPlainGame);
  ASSERT_FALSE(plain.id.empty());
  EXPECT_TRUE(ends_at_is(plain.status, plain.not_before + 3600 - 1, plain.by + 3600));

  Running short_one = launch_running(alice, kShortGame);
  ASSERT_FALSE(short_one.id.empty());
  EXPECT_TRUE(ends_at_is(short_one.status, short_one.not_before + 1, short_one.by + 2));
  EXPECT_EQ(wait_until_ended(alice, short_one.id, 6000)["status"].str(), "stopped");
  EXPECT_EQ(json_of(api().history(alice)).at(0)["endReason"].str(), "max_duration");
  EXPECT_EQ(json_of(api().status(bob, plain.id))["status"].str(), "running");
}

TEST_F(SessionsTimeLimitTest, TheFlagAloneLimitsEveryGameAndWithoutItThereIsNoEndsAt) {
  ASSERT_TRUE(start_with_catalog({"--max-session-seconds", "1"}));
  const std::string token = api().token_for("alice");
  Running r = launch_running(token, kPlainGame);
  ASSERT_FALSE(r.id.empty());
  EXPECT_TRUE(ends_at_is(r.status, r.not_before, r.by + 1));
  EXPECT_EQ(wait_until_ended(token, r.id, 5000)["status"].str(), "stopped");
  EXPECT_EQ(json_of(api().history(token)).at(0)["endReason"].str(), "max_duration");
}

TEST_F(SessionsTimeLimitTest, NoLimitNoEndsAt) {
  ASSERT_TRUE(start_with_catalog());
  const std::string token = api().token_for("alice");
  Running r = launch_running(token, kPlainGame);
  ASSERT_FALSE(r.id.empty());
  EXPECT_FALSE(r.status["endsAt"].exists()) << r.status.text();
  EXPECT_FALSE(json_of(api().details(token, r.id))["endsAt"].exists());
}

TEST(TimeLimitFlag, OutOfBoundsOrNotAnIntegerIsRefusedAtStartNamingTheFlag) {
  for (const char* bad : {"604801", "-1", "ten", "1.5"}) {
    CompletedRun run = run_server_binary({"--max-session-seconds", bad});
    EXPECT_NE(run.exit_status, 0) << bad;
    EXPECT_NE(run.output.find("max-session-seconds"), std::string::npos) << bad << run.output;
  }
}

}  // namespace
}  // namespace ringside::itest

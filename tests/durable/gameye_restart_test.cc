// ringside on Gameye (the stand-in) with durable state: a session running at Gameye when
// ringside is killed with -9 is adopted after the restart — still running, same address —
// and a stop then ends it at Gameye too; so is a launch in flight whose session Gameye
// started.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"
#include "integration/gameye_standin_process.h"
#include "integration/http_client.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

constexpr std::string_view kGameyeToken = "gy-durable-3b9d";

class GameyeRestartTest : public DurableTest {
 protected:
  void SetUp() override {
    token_file_ = "/tmp/ringside-gameye-token-" + std::to_string(::getpid());
    std::ofstream(token_file_) << kGameyeToken << "\n";
  }
  void TearDown() override { std::remove(token_file_.c_str()); }

  ::testing::AssertionResult start_standin(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--token", std::string(kGameyeToken)};
    args.insert(args.end(), extra.begin(), extra.end());
    return standin_.start(args);
  }

  ::testing::AssertionResult start_on_gameye() {
    return start({"--backend", "gameye", "--gameye-url", standin_.base_url(), "--gameye-token-file",
                  token_file_, "--gameye-locations", "europe"});
  }
  // Polls the stand-in's stats until `done` holds (10 s at most).
  bool standin_reaches(const std::function<bool(const Json&)>& done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done(standin_stats())) {
      if (std::chrono::steady_clock::now() >= until) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // The stand-in's count of live sessions, from its stats endpoint.
  Json standin_stats() {
    itest::HttpClient http;
    if (!http.connect(standin_.port())) return {};
    http.send_raw("GET /_standin/stats HTTP/1.1\r\nHost: x\r\n\r\n");
    return json_of(http.read_response());
  }

  itest::GameyeStandinProcess standin_;
  std::string token_file_;
};

TEST_F(GameyeRestartTest, KilledRingsideAdoptsItsGameyeSessions) {
  ASSERT_TRUE(start_standin());
  ASSERT_TRUE(start_on_gameye());
  const std::string token = api().token_for("gameye-player", kGame);
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  const Json before = json_of(api().status(token, session));
  ASSERT_TRUE(before["serverUrl"].str().starts_with("http://127.0.0.1:")) << before.text();

  kill_hard();
  ASSERT_TRUE(start_on_gameye());
  const Json after = json_of(api().status(token, session));
  EXPECT_EQ("running", after["status"].str()) << after.text();
  EXPECT_EQ(before["serverUrl"].str(), after["serverUrl"].str());
  // Stopped right away, maybe before the backend has looked at Gameye: the stop waits for it.
  const Json stopped = api().stop_ok(token, session);
  ASSERT_TRUE(stopped.exists());
  // Gameye offers no per-session figures: unknown, never a made-up zero.
  EXPECT_TRUE(stopped["cpuSeconds"].is_null()) << stopped.text();
  const Json stats = standin_stats();
  EXPECT_EQ(0, stats["sessions"]["live"].integer().value_or(-1)) << stats.text();
  EXPECT_EQ(1, stats["sessions"]["stopped"].integer().value_or(-1)) << stats.text();
  EXPECT_NE(std::string::npos, server().log().find("event=gameye_recover_adopted"))
      << server().log();
}

// Killed while its POST /session is unanswered: the store says starting (and knows no
// server), Gameye runs the session. After the restart the session is found by its labels in
// Gameye's listing and runs on — not failed, not deleted as an orphan.
TEST_F(GameyeRestartTest, KilledRingsideAdoptsALaunchInFlightThatGameyeStarted) {
  ASSERT_TRUE(start_standin({"--hang-first", "1"}));  // the POST is never answered
  ASSERT_TRUE(start_on_gameye());
  const std::string token = api().token_for("gameye-player", kGame);
  const std::string session = api().launch_accepted(token, game_body());
  ASSERT_FALSE(session.empty());
  ASSERT_TRUE(standin_reaches([](const Json& stats) {
    return stats["sessions"]["running"].integer().value_or(0) == 1;
  })) << standin_stats().text();
  EXPECT_EQ("starting", json_of(api().status(token, session))["status"].str());

  kill_hard();
  ASSERT_TRUE(start_on_gameye());
  const Json after = api().wait_while_starting(token, session);
  ASSERT_EQ("running", after["status"].str()) << after.text() << "\n" << server().log();
  EXPECT_TRUE(after["serverUrl"].str().starts_with("http://127.0.0.1:")) << after.text();
  EXPECT_NE(std::string::npos, server().log().find("event=gameye_recover_adopted"));
  const Json stats = standin_stats();
  EXPECT_EQ(1, stats["sessions"]["running"].integer().value_or(-1)) << stats.text();
  EXPECT_FALSE(stats["requests"]["DELETE /session/{id}"].exists()) << stats.text();

  ASSERT_TRUE(api().stop_ok(token, session).exists());
  const Json stopped = standin_stats();
  EXPECT_EQ(0, stopped["sessions"]["live"].integer().value_or(-1)) << stopped.text();
  EXPECT_EQ(1, stopped["sessions"]["stopped"].integer().value_or(-1)) << stopped.text();
}

}  // namespace
}  // namespace ringside::durable

// ringside on Gameye (the stand-in) with durable state: a session running at Gameye when
// ringside is killed with -9 is adopted after the restart — still running, same address —
// and a stop then ends it at Gameye too.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

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
    ASSERT_TRUE(standin_.start({"--token", std::string(kGameyeToken)}));
    token_file_ = "/tmp/ringside-gameye-token-" + std::to_string(::getpid());
    std::ofstream(token_file_) << kGameyeToken << "\n";
  }
  void TearDown() override { std::remove(token_file_.c_str()); }

  ::testing::AssertionResult start_on_gameye() {
    return start({"--backend", "gameye", "--gameye-url", standin_.base_url(), "--gameye-token-file",
                  token_file_, "--gameye-locations", "europe"});
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

}  // namespace
}  // namespace ringside::durable

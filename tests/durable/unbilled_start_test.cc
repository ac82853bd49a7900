// A start that never ran bills nothing, after a restart too: a start that fails, or is
// stopped, once it reached `creating` has its server recorded, but no `running_at`, and its
// duration stays 0 in history, details and a repeated stop (docs/decisions.md).
#include <chrono>
#include <string>
#include <thread>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

// Polls the session's status until its phase is `creating` (10 s at most).
bool reaches_creating(itest::ApiClient& api, const std::string& token, const std::string& session) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (json_of(api.status(token, session))["phase"].str() != "creating") {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST_F(DurableTest, StartsThatEndedWhileCreatingBillNothingAfterARestart) {
  // Every start fails 2.5 s into `creating`: both sessions end over a second after their
  // launch, so a duration counted from the launch would not round down to 0.
  ASSERT_TRUE(start({"--sim-start-ms", "2500", "--sim-start-failure-rate", "1"}));
  const std::string failing_token = api().token_for("unbilled-failed", kGame);
  const std::string stopped_token = api().token_for("unbilled-stopped", kGame);
  ASSERT_FALSE(failing_token.empty());
  ASSERT_FALSE(stopped_token.empty());

  const std::string failed = api().launch_accepted(failing_token, game_body());
  const std::string stopped = api().launch_accepted(stopped_token, game_body());
  ASSERT_FALSE(failed.empty());
  ASSERT_FALSE(stopped.empty());
  ASSERT_TRUE(reaches_creating(api(), stopped_token, stopped));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Json stop = api().stop_ok(stopped_token, stopped);
  ASSERT_TRUE(stop.exists());
  EXPECT_EQ(0, stop["duration"].integer());
  Json failure = api().wait_while_starting(failing_token, failed);
  ASSERT_EQ("error", failure["status"].str()) << failure.text();
  EXPECT_EQ("start_failed", failure["error"]["code"].str()) << failure.text();
  // What makes the case: both rows name a server, and neither ran. The failure's end is a
  // background write: the status poll saw it in memory, the row follows within milliseconds.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string unbilled;
  while ((unbilled = db().value("SELECT count(*) FROM sessions WHERE server IS NOT NULL AND "
                                "running_at IS NULL AND ended_at IS NOT NULL")) != "2" &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ("2", unbilled);

  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start());
  struct Case {
    const std::string& token;
    const std::string& session;
  };
  for (const Case& c : {Case{failing_token, failed}, Case{stopped_token, stopped}}) {
    SCOPED_TRACE(c.session);
    Json history = json_of(api().history(c.token));
    ASSERT_EQ(1u, history.size()) << history.text();
    EXPECT_EQ(c.session, history.at(0)["sessionId"].str());
    EXPECT_EQ(0, history.at(0)["duration"].integer()) << history.text();
    Json details = json_of(api().details(c.token, c.session));
    EXPECT_EQ(0, details["duration"].integer()) << details.text();
    // A stop of the ended session answers the figures it ended with.
    Json again = json_of(api().stop(c.token, c.session));
    EXPECT_EQ(0, again["duration"].integer()) << again.text();
  }
}

}  // namespace
}  // namespace ringside::durable

// A session stopped at its time limit with --database-url (issue 17): the end is written with
// endReason max_duration (migration 0009 lets the column hold it), and after a restart the
// history still says so.
#include <chrono>
#include <string>
#include <thread>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

TEST_F(DurableTest, AnEndAtTheTimeLimitIsWrittenAndReadBackAsMaxDuration) {
  ASSERT_TRUE(start({"--max-session-seconds", "1"}));
  const std::string token = api().token_for("limited");
  const std::string id = api().launch_running(token, game_body());
  ASSERT_FALSE(id.empty());
  Json status;
  for (int polls = 0; polls < 100; ++polls) {
    status = json_of(api().status(token, id));
    if (status["status"].str() == "stopped") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status["status"].str(), "stopped") << status.text();
  // The end is committed before a stop is answered; poll the row for the write-behind.
  std::string reason;
  for (int polls = 0; polls < 100 && reason != "max_duration"; ++polls) {
    reason = db().value("SELECT coalesce(end_reason, '') FROM sessions");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(reason, "max_duration");

  ASSERT_TRUE(start({"--max-session-seconds", "1"}));
  Json history = json_of(api().history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["endReason"].str(), "max_duration") << history.text();
}

}  // namespace
}  // namespace ringside::durable

// A game that fills its save directory past the 64 MiB limit: through the public API the stop
// still answers `stopped` with its figures, and says why the save was not kept (saveError, in
// the stop answer and the status); /metrics counts it; the log says it; the slot keeps what it
// had.
#include <chrono>
#include <string>
#include <thread>

#include "backend/docker_e2e/docker_e2e_fixture.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

TEST_F(DockerE2eTest, ASaveOverTheLimitIsShownToThePlayerAndCounted) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("e2e-save-too-large", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  std::optional<Container> c = container_of(session);
  ASSERT_TRUE(c);
  const CommandResult filled =
      docker(c->engine, "exec " + c->id + " sh -c 'head -c 70000000 /dev/zero > /save/world.bin'");
  ASSERT_EQ(filled.exit_code, 0) << filled.output;

  // Copying 64 MiB out of the container may outlast the client's wait: the stop is asked for,
  // its end waited for, and asked again (a stopped session's stop answers the same).
  api().stop(token, session);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (json_of(api().status(token, session))["status"].str() == "stopping" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Json stopped = api().stop_ok(token, session);
  ASSERT_TRUE(stopped.exists());
  EXPECT_EQ(stopped["status"].str(), "stopped") << stopped.text();
  EXPECT_EQ(stopped["saveError"]["code"].str(), "save_too_large") << stopped.text();
  EXPECT_FALSE(stopped["saveError"]["message"].str().empty()) << stopped.text();
  EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  const Json status = json_of(api().status(token, session));
  EXPECT_EQ(status["status"].str(), "stopped") << status.text();
  EXPECT_EQ(status["saveError"]["code"].str(), "save_too_large") << status.text();

  std::optional<itest::HttpResponse> metrics = api().metrics();
  ASSERT_TRUE(metrics);
  EXPECT_EQ(
      itest::metric_value(metrics->body, "ringside_saves_failed_total{reason=\"save_too_large\"}"),
      1)
      << metrics->body;
  EXPECT_TRUE(wait_for_log("event=docker_save_failed", 1000));
  EXPECT_NE(server().log().find("reason=save_too_large"), std::string::npos);
  // A fresh slot: it stays empty (nothing stored, nothing half-written).
  const Json slots = json_of(api().save_slots(token))["slots"];
  ASSERT_EQ(slots.size(), 1u) << slots.text();
  EXPECT_EQ(slots.at(0)["sizeBytes"].integer().value_or(-1), 0) << slots.text();
  EXPECT_FALSE(container_of(session));
}

}  // namespace
}  // namespace ringside::dockere2e

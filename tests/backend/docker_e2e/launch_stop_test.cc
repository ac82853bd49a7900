// One player through the public API on real engines: launch -> starting (pulling, creating) ->
// running in a labelled container; stop -> figures and the save back, container gone; the next
// session of the same player continues that save slot with its data.
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "backend/docker_e2e/docker_e2e_fixture.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;
using Clock = std::chrono::steady_clock;

// Polls session-status until it is no longer `starting`; the phases seen on the way.
Json poll_until_started(itest::ApiClient& api, const std::string& token, const std::string& id,
                        std::set<std::string>* phases) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (;;) {
    Json status = json_of(api.status(token, id));
    if (status["status"].str() != "starting" || Clock::now() >= deadline) return status;
    phases->insert(status["phase"].str());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(DockerE2eTest, LaunchRunsALabelledContainerAndStopBringsFiguresAndSaveBack) {
  ASSERT_TRUE(start());
  const std::string player = "e2e-player";
  const std::string token = api().token_for(player, kGame);
  ASSERT_FALSE(token.empty());

  const std::string first = api().launch_accepted(token, game_body());
  ASSERT_FALSE(first.empty());
  std::set<std::string> phases;
  Json running = poll_until_started(api(), token, first, &phases);
  ASSERT_EQ(running["status"].str(), "running") << running.text();
  // Neither engine has the image at first: the launch pulls it from the registry.
  EXPECT_TRUE(phases.count("pulling")) << "phases seen while starting: " << phases.size();
  for (const std::string& phase : phases) {
    EXPECT_TRUE(phase == "queued" || phase == "pulling" || phase == "creating") << phase;
  }
  EXPECT_EQ(running["serverUrl"].str(), "http://127.0.0.1");
  EXPECT_EQ(running["containerUrl"].str(), "http://127.0.0.1/session/" + first + "/");

  std::optional<Container> container = container_of(first);
  ASSERT_TRUE(container) << "no container labelled ringside.session=" << first;
  EXPECT_EQ(container->state, "running");
  EXPECT_EQ(label(*container, "ringside.player"), player);
  EXPECT_EQ(label(*container, "ringside.game"), kGame);
  EXPECT_EQ(ringside_containers(0).size() + ringside_containers(1).size(), 1u);

  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // ticks saved, CPU burnt
  Json stopped = api().stop_ok(token, first);
  ASSERT_TRUE(stopped.exists());
  EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  // cgroup v1 (this VM): the engine reports the peak. On v2 it would be unknown.
  EXPECT_GT(stopped["peakMemoryMb"].number().value_or(0), 0) << stopped.text();
  EXPECT_FALSE(container_of(first)) << "the container outlived its session";
  // The next launch is sized from this session's figures (the game's learnt profile).
  SCOPED_TRACE("first session's stop: " + stopped.text());

  Json slots = json_of(api().save_slots(token))["slots"];
  ASSERT_EQ(slots.size(), 1u) << slots.text();
  const std::string slot_id = slots.at(0)["id"].str();
  const int64_t first_size = slots.at(0)["sizeBytes"].integer().value_or(0);
  EXPECT_GT(first_size, 0) << slots.text();
  const std::string first_save = saved_progress();
  const int first_ticks = last_tick(first_save);
  EXPECT_GE(first_ticks, 2) << first_save;

  // The same player again: the latest slot of the game is continued, its data put back in.
  const std::string second = api().launch_running(token, game_body());
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(json_of(api().details(token, second))["saveSlotId"].str(), slot_id);
  container = container_of(second);
  ASSERT_TRUE(container);
  const CommandResult inside =
      docker(container->engine, "exec " + container->id + " cat /save/progress.txt");
  EXPECT_EQ(inside.output.rfind(first_save, 0), 0u)
      << "the game did not start from the saved progress:\n"
      << inside.output;

  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stopped = api().stop_ok(token, second);
  ASSERT_TRUE(stopped.exists());
  EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  EXPECT_FALSE(container_of(second));

  slots = json_of(api().save_slots(token))["slots"];
  ASSERT_EQ(slots.size(), 1u) << slots.text();
  EXPECT_EQ(slots.at(0)["id"].str(), slot_id);
  EXPECT_GT(slots.at(0)["sizeBytes"].integer().value_or(0), 0) << slots.text();
  const std::string second_save = saved_progress();
  EXPECT_EQ(second_save.rfind(first_save, 0), 0u) << second_save;
  EXPECT_GT(last_tick(second_save), first_ticks) << second_save;
}

}  // namespace
}  // namespace ringside::dockere2e

// The operator's fleet on real engines (docs/operator-api.md, "Servers"): a cordoned engine
// takes no new launch, and a drained one has its sessions stopped through the normal stop
// path once the grace has passed — containers stopped and removed, saves kept, history
// endReason server_drained — while the other engine's session runs on.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;
using Clock = std::chrono::steady_clock;

class DockerCordonDrainTest : public DockerE2eTest {
 protected:
  std::optional<itest::HttpResponse> command(const std::string& server, const std::string& action,
                                             const std::string& body = {}) {
    return api().send("POST", "/operator/servers/" + server + "/" + action, body,
                      itest::kOperatorKey);
  }
  Json servers() {
    return json_of(api().send("GET", "/operator/servers", {}, itest::kOperatorKey))["servers"];
  }
  // A running session of `player`; its token in *token.
  std::string run(const std::string& player, std::string* token) {
    *token = api().token_for(player, kGame);
    return api().launch_running(*token, game_body());
  }
  size_t engine_of(const std::string& session) {
    std::optional<Container> c = container_of(session);
    EXPECT_TRUE(c) << "no container for " << session;
    return c ? c->engine : SIZE_MAX;
  }
};

TEST_F(DockerCordonDrainTest, CordonedEngineTakesNoLaunchAndADrainStopsItsSessionsKeepingSaves) {
  ASSERT_TRUE(start());
  Json listed = servers();
  ASSERT_EQ(listed.size(), 2u) << listed.text();
  const std::string first = listed.at(0)["name"].str();
  const std::string second = listed.at(1)["name"].str();
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(listed.at(i)["backend"].str(), "docker");
    EXPECT_EQ(listed.at(i)["healthy"].boolean(), true) << listed.text();
    EXPECT_EQ(listed.at(i)["images"].size(), 0u) << listed.text();  // the fixture removed it
  }

  // The first engine cordoned: both launches go to the second.
  auto r = command(first, "cordon");
  ASSERT_EQ(json_of(r)["cordoned"].boolean(), true) << (r ? r->body : "no answer");
  std::string ta, tb, tc;
  const std::string a = run("drain-a", &ta);
  const std::string b = run("drain-b", &tb);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(engine_of(a), 1u);
  EXPECT_EQ(engine_of(b), 1u);
  // The other way round: the third goes to the first engine.
  ASSERT_EQ(json_of(command(first, "uncordon"))["cordoned"].boolean(), false);
  ASSERT_EQ(json_of(command(second, "cordon"))["cordoned"].boolean(), true);
  const std::string c = run("drain-c", &tc);
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(engine_of(c), 0u);
  Json item = servers().at(1);
  EXPECT_EQ(item["sessions"].integer(), 2) << item.text();
  ASSERT_EQ(item["images"].size(), 1u) << item.text();
  EXPECT_EQ(item["images"].at(0).str(), image());

  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the games save some ticks
  const auto asked = Clock::now();
  r = command(second, "drain", R"({"graceSeconds": 2})");
  ASSERT_EQ(json_of(r)["cordoned"].boolean(), true) << (r ? r->body : "no answer");
  EXPECT_EQ(json_of(api().status(ta, a))["status"].str(), "running");  // within the grace

  for (const auto& [token, id] : {std::pair{ta, a}, std::pair{tb, b}}) {
    Json status;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline) {
      status = json_of(api().status(token, id));
      if (status["status"].str() == "stopped") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(status["status"].str(), "stopped") << status.text();
    Json entry = json_of(api().history(token)).at(0);
    EXPECT_EQ(entry["endReason"].str(), "server_drained") << entry.text();
    EXPECT_FALSE(container_of(id)) << "the container of " << id << " outlived the drain";
    Json slots = json_of(api().save_slots(token))["slots"];
    ASSERT_EQ(slots.size(), 1u) << slots.text();
    EXPECT_GT(slots.at(0)["sizeBytes"].integer().value_or(0), 0)
        << "save not kept: " << slots.text();
    Json again = api().stop_ok(token, id);  // its player's stop: answered with the figures
    EXPECT_GT(again["cpuSeconds"].number().value_or(0), 0) << again.text();
  }
  EXPECT_GE(Clock::now() - asked, std::chrono::milliseconds(1900));
  EXPECT_EQ(ringside_containers(1).size(), 0u);
  // The first engine's session never noticed.
  EXPECT_EQ(json_of(api().status(tc, c))["status"].str(), "running");
  std::optional<Container> kept = container_of(c);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->state, "running");
  item = servers().at(1);
  EXPECT_EQ(item["cordoned"].boolean(), true) << item.text();
  EXPECT_EQ(item["sessions"].integer(), 0) << item.text();
}

}  // namespace
}  // namespace ringside::dockere2e

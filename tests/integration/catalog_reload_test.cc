// SIGHUP rereads --catalog (SPEC: Operator API; docs/configuration.md, "Reloading the
// catalog"): a new game can be launched, a changed one shows its new fields, a removed one
// refuses launches (404) and leaves /api/games while its running session can still be polled,
// listed by the operator by its slug and stopped, and a file that does not parse leaves the catalog
// as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

std::string game_json(const std::string& slug, const std::string& title) {
  return R"({"slug": ")" + slug + R"(", "title": ")" + title + R"(", "image": "registry.test/)" +
         slug + R"(:1", "sizeMb": 10, "cpuCores": 0.5,)" + R"( "memoryMb": 256})";
}

class CatalogReloadTest : public SessionsTest {
 protected:
  void TearDown() override {
    SessionsTest::TearDown();
    std::remove(path_.c_str());
  }

  void write_catalog(const std::string& text) {
    std::ofstream out(path_, std::ios::trunc);
    out << text;
  }

  // Sends SIGHUP and waits until the reload of that result was counted `count` times.
  void reload(const std::string& result, double count) {
    server_.send_signal(SIGHUP);
    const std::string series = "ringside_catalog_reloads_total{result=\"" + result + "\"}";
    std::optional<double> seen;
    for (int waited = 0; waited < 5000; waited += 20) {
      seen = metric_value(api().metrics()->body, series);
      if (seen == count) return;
      sleep_ms(20);
    }
    ADD_FAILURE() << series << " is " << (seen ? std::to_string(*seen) : "absent");
  }

  std::vector<std::string> listed_slugs(const std::string& token) {
    std::vector<std::string> slugs;
    Json games = json_of(api().games(token))["games"];
    for (size_t i = 0; i < games.size(); ++i) slugs.push_back(games.at(i)["slug"].str());
    return slugs;
  }

  std::string path_ = "/tmp/ringside-catalog-reload-" + std::to_string(getpid()) + ".json";
};

TEST_F(CatalogReloadTest, NewChangedAndRemovedGamesTakeEffectForNewLaunchesOnly) {
  write_catalog(R"({"games": [)" + game_json("alpha", "Alpha") + "," + game_json("beta", "Beta") +
                "]}");
  ASSERT_TRUE(start({"--catalog", path_}));
  const std::string token = api().token_for("alice");
  ASSERT_EQ(listed_slugs(token), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(metric_value(api().metrics()->body, "ringside_catalog_reloads_total{result=\"ok\"}"),
            0.0);
  const std::string running = api().launch_running(token, game_body("beta"));
  ASSERT_FALSE(running.empty());

  write_catalog(R"({"games": [)" + game_json("gamma", "Gamma") + "," +
                game_json("alpha", "Alpha Two") + "]}");
  reload("ok", 1);

  // Removed: gone from the listing and refused, while its session runs on.
  EXPECT_EQ(listed_slugs(token), (std::vector<std::string>{"alpha", "gamma"}));
  EXPECT_TRUE(is_error(api().game(token, "beta"), 404, "not_found"));
  const std::string bob = api().token_for("bob");
  EXPECT_TRUE(is_error(api().launch(bob, game_body("beta")), 404, "not_found"));
  Json status = json_of(api().status(token, running));
  EXPECT_EQ(status["status"].str(), "running") << status.text();
  EXPECT_EQ(status["gameTitle"].str(), "Beta") << status.text();
  // The operator still finds it by its game's slug (docs/operator-api.md, "Sessions").
  auto listed = api().send("GET", "/operator/sessions?gameSlug=beta", "", kOperatorKey);
  ASSERT_TRUE(has_status(listed, 200));
  Json sessions = json_of(listed)["sessions"];
  ASSERT_EQ(sessions.size(), 1u) << sessions.text();
  EXPECT_EQ(sessions.at(0)["sessionId"].str(), running) << sessions.text();
  EXPECT_EQ(sessions.at(0)["gameSlug"].str(), "beta") << sessions.text();
  // Changed in place.
  EXPECT_EQ(json_of(api().game(token, "alpha"))["title"].str(), "Alpha Two");
  // New: launchable.
  const std::string carol = api().token_for("carol");
  const std::string gamma = api().launch_running(carol, game_body("gamma"));
  ASSERT_FALSE(gamma.empty());
  EXPECT_EQ(json_of(api().status(carol, gamma))["gameTitle"].str(), "Gamma");
  // The removed game's session stops as any other, and its history still names it.
  Json stopped = api().stop_ok(token, running);
  EXPECT_EQ(stopped["status"].str(), "stopped") << stopped.text();
  Json entry = json_of(api().history(token)).at(0);
  EXPECT_EQ(entry["gameSlug"].str(), "beta") << entry.text();
}

TEST_F(CatalogReloadTest, AFileThatDoesNotParseKeepsTheCatalogInUse) {
  write_catalog(R"({"games": [)" + game_json("alpha", "Alpha") + "]}");
  ASSERT_TRUE(start({"--catalog", path_}));
  const std::string token = api().token_for("alice");
  write_catalog(R"({"games": [)" + game_json("alpha", "Alpha") + ",");  // cut short
  reload("refused", 1);
  EXPECT_NE(server_.log().find("event=catalog_reload_refused"), std::string::npos);
  write_catalog(R"({"games": []})");  // parses, but a catalog needs a game
  reload("refused", 2);
  EXPECT_EQ(listed_slugs(token), (std::vector<std::string>{"alpha"}));
  EXPECT_EQ(metric_value(api().metrics()->body, "ringside_catalog_reloads_total{result=\"ok\"}"),
            0.0);
  EXPECT_FALSE(api().launch_running(token, game_body("alpha")).empty());
  EXPECT_TRUE(server_.running());  // SIGHUP did not end it
}

}  // namespace
}  // namespace ringside::itest

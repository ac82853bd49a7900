// What an operator sees of warm pools and of how each launch got its container
// (docs/warm-pools.md, "Visibility"; docs/operator-api.md): `startKind` in a session's details,
// `warm` in /operator/servers, ringside_warm_containers and ringside_launch_starts_total in
// /metrics — through the public API, sim backend.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

constexpr std::string_view kPoolGame = "pooled";

class WarmVisibilityTest : public SessionsTest {
 protected:
  void TearDown() override {
    SessionsTest::TearDown();
    std::remove(path_.c_str());
  }

  // A catalog of a game with a warm pool of `pool` and one without.
  void write_catalog(int pool) {
    std::ofstream out(path_, std::ios::trunc);
    out << R"({"games": [{"slug": "pooled", "title": "Pooled", "image": "registry.test/pooled:1",)"
        << R"( "sizeMb": 10, "cpuCores": 0.5, "memoryMb": 256, "warmPool": )" << pool << "},"
        << R"({"slug": "cold", "title": "Cold", "image": "registry.test/cold:1", "sizeMb": 10}]})";
  }

  Json details(const std::string& id) {
    auto r = api().send("GET", "/operator/sessions/" + id, "", kOperatorKey);
    EXPECT_TRUE(has_status(r, 200));
    return json_of(r);
  }

  // The `warm` of every server of /operator/servers, summed.
  int64_t warm_in_servers() {
    auto r = api().send("GET", "/operator/servers", "", kOperatorKey);
    EXPECT_TRUE(has_status(r, 200));
    Json list = json_of(r)["servers"];
    int64_t warm = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::optional<int64_t> w = list.at(i)["warm"].integer();
      if (!w) return -1;  // an item without `warm`: never a count waited for
      warm += *w;
    }
    return warm;
  }

  // Polls /operator/servers until the warm containers summed over servers are `n` (5 s).
  ::testing::AssertionResult wait_warm(int64_t n) {
    int64_t seen = -1;
    for (int waited = 0; waited < 5000; waited += 20) {
      seen = warm_in_servers();
      if (seen == n) return ::testing::AssertionSuccess();
      sleep_ms(20);
    }
    return ::testing::AssertionFailure() << "warm is " << seen << ", not " << n;
  }

  std::optional<double> metric(const std::string& series) {
    return metric_value(api().metrics()->body, series);
  }
  std::optional<double> starts(std::string_view kind) {
    return metric("ringside_launch_starts_total{kind=\"" + std::string(kind) + "\"}");
  }

  std::string path_ = "/tmp/ringside-warm-visibility-" + std::to_string(getpid()) + ".json";
};

// Before running there is no start kind to tell: the field is there, null.
TEST_F(WarmVisibilityTest, StartKindIsNullWhileStarting) {
  ASSERT_TRUE(start({"--sim-start-ms", "3000"}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  Json s = details(id);
  EXPECT_EQ(s["status"].str(), "starting") << s.text();
  ASSERT_TRUE(s["startKind"].exists()) << s.text();
  EXPECT_TRUE(s["startKind"].is_null()) << s.text();
  EXPECT_EQ(starts("warm"), 0.0);
  EXPECT_EQ(starts("cached"), 0.0);
  EXPECT_EQ(starts("pulled"), 0.0);
}

// One server without the image: the first start pulls it, the next finds it there.
TEST_F(WarmVisibilityTest, StartKindSaysPulledThenCached) {
  ASSERT_TRUE(start({"--sim-servers", "1", "--sim-cached-images", "none"}));
  const std::string token = api().token_for("alice");
  const std::string first = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(details(first)["startKind"].str(), "pulled");
  api().stop_ok(token, first);
  EXPECT_EQ(details(first)["startKind"].str(), "pulled");  // kept after the end

  const std::string second = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(second.empty());
  EXPECT_EQ(details(second)["startKind"].str(), "cached");
  EXPECT_EQ(starts("pulled"), 1.0);
  EXPECT_EQ(starts("cached"), 1.0);
  EXPECT_EQ(starts("warm"), 0.0);
}

// A game with "warmPool": 2 on two servers: the pool shows in /operator/servers and /metrics
// (every server a row, the game without a pool none), a launch takes one ("warm") and the pool
// is refilled.
TEST_F(WarmVisibilityTest, AWarmPoolShowsInServersMetricsAndTheTakingLaunch) {
  write_catalog(2);
  ASSERT_TRUE(start({"--catalog", path_, "--sim-servers", "2"}));
  ASSERT_TRUE(wait_warm(2));
  const std::string text = api().metrics()->body;
  const std::optional<double> gs01 =
      metric_value(text, R"(ringside_warm_containers{game="pooled",server="gs01"})");
  const std::optional<double> gs02 =
      metric_value(text, R"(ringside_warm_containers{game="pooled",server="gs02"})");
  ASSERT_TRUE(gs01 && gs02) << text;
  EXPECT_EQ(*gs01 + *gs02, 2.0) << text;
  EXPECT_EQ(text.find(R"(ringside_warm_containers{game="cold")"), std::string::npos) << text;

  const std::string token = api().token_for("alice");
  const std::string warm = api().launch_running(token, game_body(kPoolGame));
  ASSERT_FALSE(warm.empty());
  EXPECT_EQ(details(warm)["startKind"].str(), "warm");
  EXPECT_EQ(starts("warm"), 1.0);
  const std::string cold = api().launch_running(api().token_for("bob"), game_body("cold"));
  ASSERT_FALSE(cold.empty());
  EXPECT_EQ(details(cold)["startKind"].str(), "cached");
  EXPECT_TRUE(wait_warm(2));  // refilled
}

}  // namespace
}  // namespace ringside::itest

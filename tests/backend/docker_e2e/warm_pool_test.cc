// Warm pools on real engines (docs/warm-pools.md): ringside keeps a game's warm containers
// started ahead of demand; a launch takes one (save data in, then running), the pool refills,
// gives way to launches of other games, survives kill -9, replaces what dies and what a new
// image makes stale, follows demand when sized "auto", and pre-pulls where launches go next.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

constexpr std::string_view kOtherGame = "other-game";
constexpr int kWarmTimeoutMs = 60'000;  // containers created and started on a busy engine

class WarmPoolTest : public DockerE2eTest {
 protected:
  Json operator_get(const std::string& path) {
    return json_of(api().send("GET", path, {}, itest::kOperatorKey));
  }

  // Ready warm containers, as the operator's view of the servers counts them.
  int64_t warm_ready() {
    int64_t total = 0;
    Json servers = operator_get("/operator/servers")["servers"];
    for (size_t i = 0; i < servers.size(); ++i)
      total += servers.at(i)["warm"].integer().value_or(0);
    return total;
  }

  // The ids of the running containers labelled ringside.warm, on every engine (warm or taken).
  std::set<std::string> warm_ids() const {
    std::set<std::string> ids;
    for (size_t e = 0; e < engine_count(); ++e) {
      for (const Container& c : warm_containers(e)) {
        if (c.state == "running") ids.insert(c.id);
      }
    }
    return ids;
  }

  // Polls `done` every 100 ms for up to timeout_ms.
  static ::testing::AssertionResult eventually(const std::function<bool()>& done, int timeout_ms,
                                               const std::string& what) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return ::testing::AssertionFailure() << "timed out waiting for " << what;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult wait_warm(int64_t n, int timeout_ms = kWarmTimeoutMs) {
    return eventually([&] { return warm_ready() == n; }, timeout_ms,
                      std::to_string(n) + " ready warm containers");
  }

  Json details(const std::string& session) { return operator_get("/operator/sessions/" + session); }

  // The file at `path` in a running container, read through the engine.
  std::string file_in(const std::string& container, const std::string& path) {
    for (size_t e = 0; e < engine_count(); ++e) {
      CommandResult r = docker(e, "exec " + container + " cat " + path);
      if (r.exit_code == 0) return r.output;
    }
    return {};
  }

  std::string warm_game(const std::string& pool) const {
    return game_json(kGame, image(), 0.5, "\"warmPool\":" + pool);
  }
};

// The save the game wrote in its previous session is in the warm container that takes the next
// one, the launch says it was warm, and the pool is refilled after each take.
TEST_F(WarmPoolTest, AWarmLaunchRunsWithThePreviousSessionsSaveAndThePoolRefills) {
  write_catalog_games({warm_game("1")});
  ASSERT_TRUE(start());
  ASSERT_TRUE(wait_warm(1));
  const std::set<std::string> warm_before = warm_ids();
  ASSERT_EQ(warm_before.size(), 1u);

  const std::string token = api().token_for("e2e-warm-save", kGame);
  const std::string first = api().launch_running(token, game_body());
  ASSERT_FALSE(first.empty());
  Json first_details = details(first);
  EXPECT_EQ(first_details["startKind"].str(), "warm") << first_details.text();
  EXPECT_EQ(first_details["backendId"].str(), *warm_before.begin()) << "not the warm container";
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the game ticks into its save
  ASSERT_TRUE(api().stop_ok(token, first).exists());
  const std::string saved = saved_progress();
  ASSERT_NE(saved.find("tick"), std::string::npos) << "no save stored: " << saved;

  ASSERT_TRUE(wait_warm(1)) << "the pool was not refilled after the take";
  const std::set<std::string> warm_now = warm_ids();
  ASSERT_EQ(warm_now.size(), 1u);
  EXPECT_EQ(warm_now.count(*warm_before.begin()), 0u) << "the taken container came back warm";

  const std::string second = api().launch_running(token, game_body());
  ASSERT_FALSE(second.empty());
  Json second_details = details(second);
  EXPECT_EQ(second_details["startKind"].str(), "warm") << second_details.text();
  const std::string container = second_details["backendId"].str();
  EXPECT_EQ(container, *warm_now.begin());
  std::string progress;
  ASSERT_TRUE(eventually(
      [&] {
        progress = file_in(container, "/save/progress.txt");
        return progress.size() > saved.size();
      },
      10'000, "the game to tick on from its save"));
  EXPECT_EQ(progress.rfind(saved, 0), 0u)
      << "the warm container did not start from the previous save:\n"
      << progress << "\nsaved:\n"
      << saved;
  ASSERT_TRUE(wait_warm(1));
  ASSERT_TRUE(api().stop_ok(token, second).exists());
}

// Two slots in all, both held by warm containers of one game: a launch of another game runs
// at once (a warm container retired for it), never queued behind the pool.
TEST_F(WarmPoolTest, APoolGivesWayToALaunchWhenCapacityIsShort) {
  write_catalog_games({warm_game("2"), game_json(kOtherGame, image())});
  ASSERT_TRUE(start({"--docker-fleet", write_fleet(4000, 1)}));
  ASSERT_TRUE(wait_warm(2));
  const std::set<std::string> warm_before = warm_ids();

  const std::string token = api().token_for("e2e-warm-give-way", kOtherGame);
  const std::string session =
      api().launch_accepted(token, "{\"gameSlug\":\"" + std::string(kOtherGame) + "\"}");
  ASSERT_FALSE(session.empty());
  Json status = api().wait_while_starting(token, session, 60'000);
  EXPECT_EQ(status["status"].str(), "running") << status.text();
  EXPECT_EQ(details(session)["startKind"].str(), "cached");
  const std::set<std::string> warm_after = warm_ids();
  EXPECT_EQ(warm_after.size(), 1u) << "one warm container should have given way";
  for (const std::string& id : warm_after) EXPECT_EQ(warm_before.count(id), 1u);
  EXPECT_EQ(warm_ready(), 1);

  ASSERT_TRUE(api().stop_ok(token, session).exists());
  ASSERT_TRUE(wait_warm(2)) << "the pool was not refilled once the slot was free";
}

// kill -9 with two warm containers and one taken by a running session: the restarted ringside
// adopts all three (the same containers: none leaked, none created twice), and the session
// stops as any other.
TEST_F(WarmPoolTest, AfterKillNineTheWarmContainersAreAdoptedNotLeakedNorDuplicated) {
  pgtest::ScratchDatabase db;
  const std::vector<std::string> flags = {"--database-url", db.url()};
  write_catalog_games({warm_game("2")});
  ASSERT_TRUE(start(flags));
  ASSERT_TRUE(wait_warm(2));
  const std::string token = api().token_for("e2e-warm-restart", kGame);
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  const std::string taken = details(session)["backendId"].str();
  ASSERT_TRUE(wait_warm(2));
  const std::set<std::string> before = warm_ids();
  ASSERT_EQ(before.size(), 3u);
  ASSERT_EQ(before.count(taken), 1u);

  kill_hard();
  ASSERT_TRUE(start(flags));
  ASSERT_TRUE(wait_warm(2));
  Json status = api().wait_while_starting(token, session);
  EXPECT_EQ(status["status"].str(), "running") << status.text();
  EXPECT_EQ(details(session)["backendId"].str(), taken);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // nothing more is created
  EXPECT_EQ(warm_ids(), before);

  Json stopped = api().stop_ok(token, session);
  ASSERT_TRUE(stopped.exists());
  EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0) << stopped.text();
  std::set<std::string> after = warm_ids();
  EXPECT_EQ(after.count(taken), 0u) << "the taken container outlived its session";
  EXPECT_EQ(after.size(), 2u);
}

// A warm container killed behind ringside's back is replaced by a new one.
TEST_F(WarmPoolTest, AWarmContainerKilledBehindRingsidesBackIsReplaced) {
  write_catalog_games({warm_game("1")});
  ASSERT_TRUE(start());
  ASSERT_TRUE(wait_warm(1));
  const std::string killed = *warm_ids().begin();
  for (size_t e = 0; e < engine_count(); ++e) docker(e, "kill " + killed);
  ASSERT_TRUE(eventually(
      [&] {
        const std::set<std::string> ids = warm_ids();
        return ids.size() == 1 && ids.count(killed) == 0 && warm_ready() == 1;
      },
      kWarmTimeoutMs, "a new warm container"));
  for (size_t e = 0; e < engine_count(); ++e) {
    for (const Container& c : warm_containers(e)) EXPECT_NE(c.id, killed) << "left behind";
  }
}

// The catalog names a new image (reload by SIGHUP): the warm containers of the old image are
// retired and the pool is made again of the new one.
TEST_F(WarmPoolTest, AnImageChangedInTheCatalogRetiresTheOldWarmContainers) {
  ASSERT_FALSE(image_2().empty()) << "tools/docker-env gave no GAME_IMAGE_2";
  write_catalog_games({warm_game("2")});
  ASSERT_TRUE(start());
  ASSERT_TRUE(wait_warm(2));
  const std::set<std::string> old_ids = warm_ids();

  write_catalog_games({game_json(kGame, image_2(), 0.5, "\"warmPool\":2")});
  server().send_signal(SIGHUP);
  ASSERT_TRUE(eventually(
      [&] {
        const std::set<std::string> ids = warm_ids();
        if (ids.size() != 2 || warm_ready() != 2) return false;
        for (const std::string& id : ids) {
          if (old_ids.count(id)) return false;
        }
        return true;
      },
      kWarmTimeoutMs, "two warm containers of the new image"));
  for (size_t e = 0; e < engine_count(); ++e) {
    for (const Container& c : warm_containers(e)) {
      EXPECT_EQ(inspect(c, "{{.Config.Image}}"), image_2());
    }
  }
}

// "warmPool": "auto": a burst of launches grows the pool (the launches that arrive during one
// cold start), and it shrinks back to its floor once launches stop.
TEST_F(WarmPoolTest, AnAutoPoolGrowsUnderABurstAndShrinksAfterIt) {
  write_catalog_games({game_json(kGame, image(), 0.05,
                                 "\"warmPool\":\"auto\",\"warmPoolMin\":0,\"warmPoolMax\":4")});
  ASSERT_TRUE(start());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(warm_ready(), 0) << "a pool with no demand and a floor of 0";

  struct Player {
    std::string token, session;
  };
  std::vector<Player> players(6);
  for (size_t i = 0; i < players.size(); ++i) {
    players[i].token = api().token_for("e2e-warm-auto-" + std::to_string(i), kGame);
    players[i].session = api().launch_accepted(players[i].token, game_body());
    ASSERT_FALSE(players[i].session.empty());
  }
  ASSERT_TRUE(eventually([&] { return warm_ready() >= 1; }, kWarmTimeoutMs,
                         "the pool to grow under the burst"));
  for (const Player& p : players) {
    Json status = api().wait_while_starting(p.token, p.session, 60'000);
    EXPECT_EQ(status["status"].str(), "running") << status.text();
    api().stop(p.token, p.session);
  }
  ASSERT_TRUE(eventually([&] { return warm_ready() == 0 && warm_ids().empty(); }, 120'000,
                         "the pool to shrink back to 0 after the burst"));
}

// No pool: launches of a game coming faster than before get its image pulled onto the engine
// that lacks it, before any launch goes there; the next launch placed there starts cached.
TEST_F(WarmPoolTest, PrePullPutsTheImageWhereTheNextLaunchesGo) {
  ASSERT_TRUE(start());
  struct Player {
    std::string token, session;
  };
  std::vector<Player> players(3);
  for (size_t i = 0; i < players.size(); ++i) {
    players[i].token = api().token_for("e2e-prepull-" + std::to_string(i), kGame);
  }
  // The first launch pulls the image onto one engine; two more, back to back, go there too
  // (it has the image): the game's launches are rising.
  players[0].session = api().launch_running(players[0].token, game_body());
  ASSERT_FALSE(players[0].session.empty());
  for (size_t i = 1; i < players.size(); ++i) {
    players[i].session = api().launch_accepted(players[i].token, game_body());
    ASSERT_FALSE(players[i].session.empty());
  }
  for (size_t i = 1; i < players.size(); ++i) {
    Json status = api().wait_while_starting(players[i].token, players[i].session, 60'000);
    EXPECT_EQ(status["status"].str(), "running") << status.text();
  }
  EXPECT_EQ(details(players[0].session)["startKind"].str(), "pulled");
  EXPECT_EQ(details(players[1].session)["startKind"].str(), "cached");
  std::set<size_t> engines_used;
  for (const Player& p : players) {
    std::optional<Container> c = container_of(p.session);
    ASSERT_TRUE(c);
    engines_used.insert(c->engine);
  }
  ASSERT_EQ(engines_used.size(), 1u) << "cache-aware placement kept the launches together";
  const size_t other = 1 - *engines_used.begin();
  ASSERT_TRUE(eventually([&] { return docker(other, "image inspect " + image()).exit_code == 0; },
                         60'000, "the image pulled ahead of demand onto the other engine"));

  // The emptier engine now has the image: the next launch goes there and finds it.
  const std::string token = api().token_for("e2e-prepull-next", kGame);
  const std::string next = api().launch_running(token, game_body());
  ASSERT_FALSE(next.empty());
  EXPECT_EQ(details(next)["startKind"].str(), "cached");
  std::optional<Container> c = container_of(next);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->engine, other);
  for (const Player& p : players) api().stop(p.token, p.session);
  api().stop(token, next);
}

}  // namespace
}  // namespace ringside::dockere2e

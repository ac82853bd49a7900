// Launch budgets are spent when a launch commits: a launch the database refuses (its write
// queued behind a batch stuck on a lock until the writer's wait bound, then 503 unavailable)
// costs neither the player's bucket nor the shard's share of the global budget, so the same
// launch retried once the database is back is accepted instead of 429. What commits is still
// spent.
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "durable/durable_fixture.h"
#include "model/ids.h"

namespace ringside::durable {
namespace {

using itest::json_of;

class LaunchBudgetTest : public DurableTest {
 protected:
  // A launch the database does not take in time: every session insert waits behind a lock,
  // the blocker's launch (another player, on shard `blocker_shard`) holds the one batch in
  // flight, and this launch, queued behind it, is refused after the writer's wait bound (503,
  // back-pressure). The lock is let go once the launch is answered.
  std::optional<itest::HttpResponse> launch_refused_by_database(const std::string& token,
                                                                uint16_t blocker_shard) {
    std::string blocker_player;
    for (int i = 0; blocker_player.empty(); ++i) {
      const std::string candidate = "blocker-" + std::to_string(i);
      if (shard_of_player(candidate, 2) == blocker_shard) blocker_player = candidate;
    }
    const std::string blocker_token = api().token_for(blocker_player, kGame);
    pgtest::Admin locker(database_url());
    locker.exec("BEGIN");
    locker.exec("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
    std::thread blocker([&] {
      itest::ApiClient client(port());
      client.launch(blocker_token, game_body());  // answered whenever; not looked at
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto r = api().launch(token, game_body());
    locker.exec("COMMIT");
    blocker.join();
    return r;
  }

  // Waits until the database takes writes again (/readyz), then launches, retrying the 503s of
  // a shard that has not heard yet that it is back.
  std::optional<itest::HttpResponse> launch_once_back(const std::string& token) {
    for (int i = 0; i < 200; ++i) {
      auto ready = api().send("GET", "/readyz", "", "");
      if (ready && ready->status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::optional<itest::HttpResponse> r;
    for (int i = 0; i < 100; ++i) {
      r = api().launch(token, game_body());
      if (!r || r->status != 503) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return r;
  }
};

TEST_F(LaunchBudgetTest, RefusedLaunchCostsThePlayerNothing) {
  ASSERT_TRUE(start({"--launch-rate-per-player", "1/h"}));  // one launch an hour
  const std::string token = api().token_for("budget-player", kGame);
  ASSERT_FALSE(token.empty());

  auto refused = launch_refused_by_database(token, 0);
  ASSERT_TRUE(refused);
  ASSERT_EQ(503, refused->status) << refused->body;
  EXPECT_EQ("unavailable", json_of(refused)["error"].str());

  auto again = launch_once_back(token);
  ASSERT_TRUE(again);
  ASSERT_EQ(202, again->status) << "the refused launch must not have used the hour's launch: "
                                << again->body;

  // The committed one is spent.
  const std::string session = json_of(again)["sessionId"].str();
  EXPECT_EQ("running", api().wait_while_starting(token, session)["status"].str());
  EXPECT_TRUE(api().stop_ok(token, session).exists());
  auto third = api().launch(token, game_body());
  ASSERT_TRUE(third);
  EXPECT_EQ(429, third->status) << third->body;
  EXPECT_FALSE(third->header("Retry-After").empty());
}

TEST_F(LaunchBudgetTest, RefusedLaunchCostsTheGlobalBudgetNothing) {
  // One launch an hour per shard (the budget's share), players free.
  ASSERT_TRUE(start({"--launch-budget", "1/h", "--launch-rate-per-player", "100/s"}));
  // Two players of the same shard (the share is per shard).
  std::string first = "budget-a", second;
  for (int i = 0; second.empty(); ++i) {
    const std::string candidate = "budget-b" + std::to_string(i);
    if (shard_of_player(candidate, 2) == shard_of_player(first, 2)) second = candidate;
  }
  const std::string token = api().token_for(first, kGame);
  const std::string other = api().token_for(second, kGame);
  ASSERT_FALSE(token.empty());
  ASSERT_FALSE(other.empty());

  // The blocker on the other shard: its launch must not use this shard's budget.
  auto refused = launch_refused_by_database(token, shard_of_player(first, 2) == 0 ? 1 : 0);
  ASSERT_TRUE(refused);
  ASSERT_EQ(503, refused->status) << refused->body;

  auto again = launch_once_back(token);
  ASSERT_TRUE(again);
  EXPECT_EQ(202, again->status) << "the refused launch must not have used the shard's budget: "
                                << again->body;

  // The committed one is spent: the shard's next launch waits for the budget.
  auto next = api().launch(other, game_body());
  ASSERT_TRUE(next);
  EXPECT_EQ(429, next->status) << next->body;
  EXPECT_EQ("rate_limited", json_of(next)["error"].str());
}

}  // namespace
}  // namespace ringside::durable

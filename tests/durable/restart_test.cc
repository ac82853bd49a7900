// A graceful restart (SIGTERM, start again on the same database) keeps every token, session,
// figure and history row: what the API shows afterwards is what it showed before.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

struct Player {
  std::string id;
  std::string token;
  std::string running;  // a session still running at the restart, or ""
  std::string stopped;  // a session stopped before it, or ""
  std::string history;  // GET history before the restart
  std::string current;  // GET current before the restart
};

TEST_F(DurableTest, RestartKeepsTokensSessionsFiguresAndHistory) {
  ASSERT_TRUE(start());
  std::vector<Player> players(6);
  for (size_t i = 0; i < players.size(); ++i) {
    Player& p = players[i];
    p.id = "restart-player-" + std::to_string(i);
    p.token = api().token_for(p.id, kGame);
    ASSERT_FALSE(p.token.empty());
  }
  // Players 0-3 play; 0 and 1 stop theirs, and 0 plays again; 4 and 5 only hold tokens.
  for (size_t i = 0; i < 4; ++i) {
    players[i].running = api().launch_running(players[i].token, game_body());
    ASSERT_FALSE(players[i].running.empty());
  }
  std::vector<Json> stops;
  for (size_t i = 0; i < 2; ++i) {
    Json stopped = api().stop_ok(players[i].token, players[i].running);
    ASSERT_TRUE(stopped.exists());
    EXPECT_GT(stopped["cpuSeconds"].number().value_or(0), 0);
    stops.push_back(stopped);
    players[i].stopped = players[i].running;
    players[i].running.clear();
  }
  players[0].running = api().launch_running(players[0].token, game_body());
  ASSERT_FALSE(players[0].running.empty());
  // Player 2 refreshes: the new token, and the old one within its grace, both work after.
  auto refreshed = api().refresh(players[2].token);
  ASSERT_TRUE(refreshed && refreshed->status == 200);
  const std::string old_token = players[2].token;
  players[2].token = json_of(refreshed)["sessionToken"].str();

  for (Player& p : players) {
    p.history = api().history(p.token)->body;
    p.current = api().current(p.token)->body;
  }
  ASSERT_EQ(0, stop_gracefully());

  ASSERT_TRUE(start());
  for (const Player& p : players) {
    SCOPED_TRACE(p.id);
    auto history = api().history(p.token);
    ASSERT_TRUE(history && history->status == 200) << (history ? history->body : api().error());
    EXPECT_EQ(p.history, history->body);
    EXPECT_EQ(p.current, api().current(p.token)->body);
    if (!p.stopped.empty()) {
      Json details = json_of(api().details(p.token, p.stopped));
      EXPECT_EQ("stopped", details["status"].str());
      EXPECT_EQ("stopped", details["endReason"].str());
    }
  }
  // The figures of the stops are those reported before the restart.
  for (size_t i = 0; i < stops.size(); ++i) {
    Json details = json_of(api().details(players[i].token, players[i].stopped));
    EXPECT_EQ(stops[i]["cpuSeconds"].number(), details["cpuSeconds"].number());
    EXPECT_EQ(stops[i]["peakMemoryMb"].number(), details["peakMemoryMb"].number());
    // A repeated stop of an ended session answers its figures again.
    Json again = json_of(api().stop(players[i].token, players[i].stopped));
    EXPECT_EQ(stops[i]["cpuSeconds"].number(), again["cpuSeconds"].number());
  }
  auto old = api().games(old_token);
  EXPECT_TRUE(old && old->status == 200) << "the replaced token within its grace period";
  EXPECT_TRUE(api().games(players[4].token)->status == 200);
  // An operator launch of a player with a live token gets that same token again.
  EXPECT_EQ(players[5].token, api().token_for(players[5].id, kGame));
  // Running sessions are still running, and stoppable.
  for (const Player& p : players) {
    if (p.running.empty()) continue;
    Json status = json_of(api().status(p.token, p.running));
    EXPECT_EQ("running", status["status"].str()) << status.text();
    Json stopped = api().stop_ok(p.token, p.running);
    EXPECT_TRUE(stopped.exists());
  }
  // And the database agrees: nothing is left active.
  EXPECT_EQ("0", db().value("SELECT count(*) FROM sessions WHERE ended_at IS NULL"));
}

// Rows name their partition, not a shard: a restart with another shard count re-maps every
// player (partition % shards) and loses nothing.
TEST_F(DurableTest, TheShardCountMayChangeBetweenRestarts) {
  ASSERT_TRUE(start());
  std::vector<Player> players(6);
  for (size_t i = 0; i < players.size(); ++i) {
    Player& p = players[i];
    p.id = "rescaled-player-" + std::to_string(i);
    p.token = api().token_for(p.id, kGame);
    ASSERT_FALSE(p.token.empty());
    p.stopped = api().launch_running(p.token, game_body());
    ASSERT_FALSE(p.stopped.empty());
    ASSERT_TRUE(api().stop_ok(p.token, p.stopped).exists());
    p.history = api().history(p.token)->body;
  }
  ASSERT_EQ(0, stop_gracefully());

  ASSERT_TRUE(start({"--shards", "3"}));
  for (const Player& p : players) {
    SCOPED_TRACE(p.id);
    auto history = api().history(p.token);
    ASSERT_TRUE(history && history->status == 200) << (history ? history->body : api().error());
    EXPECT_EQ(p.history, history->body);
    EXPECT_EQ("stopped", json_of(api().details(p.token, p.stopped))["status"].str());
    EXPECT_EQ(p.token, api().token_for(p.id, kGame));
  }
  EXPECT_EQ("3", db().value("SELECT value FROM settings WHERE key = 'shards'"));
}

// Keepalive times and token expiry are written back lazily, once they moved by a step (a tenth
// of the idle timeout or token lifetime, docs/postgres.md); the drain writes every one that moved
// at all, so a clean restart shows the same keepalive time, to the second.
TEST_F(DurableTest, ADrainWritesAKeepaliveAndAnExpiryMovedByLessThanAStep) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("drain-player", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  const std::string granted_ms =
      db().value("SELECT (extract(epoch FROM expires_at) * 1000)::bigint FROM token_sessions");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto kept = api().keepalive(token, session);
  ASSERT_TRUE(kept && kept->status == 200);
  const Json before = json_of(api().details(token, session));
  ASSERT_NE(before["lastKeepaliveAt"].str(), before["startedAt"].str());
  // 1.1 s is far less than a step (3 min, 6 min): the 5 s flush leaves the row alone.
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));
  EXPECT_EQ("t", db().value("SELECT last_keepalive_at = started_at FROM sessions"));
  ASSERT_EQ(0, stop_gracefully());

  EXPECT_EQ("t", db().value("SELECT last_keepalive_at >= started_at + interval '1.1 s'"
                            " FROM sessions"));
  EXPECT_EQ("t", db().value("SELECT (extract(epoch FROM expires_at) * 1000)::bigint >= " +
                            granted_ms + " + 1100 FROM token_sessions"));
  ASSERT_TRUE(start());
  const Json after = json_of(api().details(token, session));
  EXPECT_EQ(before["lastKeepaliveAt"].str(), after["lastKeepaliveAt"].str());
}

TEST_F(DurableTest, MigrateCommandIsIdempotent) {
  itest::CompletedRun first =
      itest::run_server_binary({"migrate", "--database-url", database_url()});
  EXPECT_EQ(0, first.exit_status) << first.output;
  EXPECT_NE(std::string::npos, first.output.find("applied=8")) << first.output;
  itest::CompletedRun second =
      itest::run_server_binary({"migrate", "--database-url", database_url()});
  EXPECT_EQ(0, second.exit_status) << second.output;
  EXPECT_NE(std::string::npos, second.output.find("applied=0")) << second.output;
}

}  // namespace
}  // namespace ringside::durable

// The operator's sessions API with --database-url (docs/operator-api.md, "Sessions"): an
// operator's stop is written with its end reason, and after a restart the ended sessions the
// database kept are listed and shown again, their timeline rebuilt from what the rows hold;
// the listing's ended sessions are read from the database (rows the process never held are
// listed, with the filters as SQL), and a read that fails makes the answer `partial`.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

std::optional<itest::HttpResponse> op(itest::ApiClient& api, std::string_view method,
                                      const std::string& target) {
  return api.send(method, target, "", itest::kOperatorKey);
}

TEST_F(DurableTest, EndedSessionsComeBackFromTheDatabaseAfterARestart) {
  ASSERT_TRUE(start());
  const std::string alice = api().token_for("op-alice", kGame);
  const std::string bob = api().token_for("op-bob", kGame);
  const std::string stopped_by_operator = api().launch_running(alice, game_body());
  ASSERT_FALSE(stopped_by_operator.empty());
  auto r = op(api(), "POST", "/operator/sessions/" + stopped_by_operator + "/stop");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["status"].str(), "stopped") << r->body;
  const std::string stopped_by_player = api().launch_running(bob, game_body());
  ASSERT_FALSE(stopped_by_player.empty());
  ASSERT_TRUE(api().stop_ok(bob, stopped_by_player).exists());
  const std::string running = api().launch_running(alice, game_body());
  ASSERT_FALSE(running.empty());
  EXPECT_EQ("operator_stop",
            db().value("SELECT end_reason FROM sessions WHERE id = '" + stopped_by_operator + "'"));

  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start());

  r = op(api(), "GET", "/operator/sessions");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 3u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;
  EXPECT_EQ(list.at(1)["sessionId"].str(), stopped_by_player) << r->body;
  EXPECT_EQ(list.at(1)["endReason"].str(), "stopped") << r->body;
  EXPECT_EQ(list.at(2)["sessionId"].str(), stopped_by_operator) << r->body;
  EXPECT_EQ(list.at(2)["endReason"].str(), "operator_stop") << r->body;
  EXPECT_EQ(list.at(2)["playerId"].str(), "op-alice") << r->body;
  EXPECT_FALSE(list.at(2)["server"].str().empty()) << r->body;

  r = op(api(), "GET", "/operator/sessions?status=stopped&playerId=op-alice");
  ASSERT_TRUE(r && r->status == 200);
  ASSERT_EQ(json_of(r)["sessions"].size(), 1u) << r->body;

  // One ended session: its timeline is what the row keeps — launched, running, ended.
  r = op(api(), "GET", "/operator/sessions/" + stopped_by_operator);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json timeline = json_of(r)["timeline"];
  ASSERT_EQ(timeline.size(), 3u) << r->body;
  EXPECT_EQ(timeline.at(0)["phase"].str(), "queued") << r->body;
  EXPECT_EQ(timeline.at(1)["status"].str(), "running") << r->body;
  EXPECT_EQ(timeline.at(2)["status"].str(), "stopped") << r->body;
  // Its stop again answers the figures it ended with.
  r = op(api(), "POST", "/operator/sessions/" + stopped_by_operator + "/stop");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["status"].str(), "stopped") << r->body;
}

// `count` ended sessions of `player`, copies of the ended session `model` under new ids, each
// launched a minute before the last, from an hour before `model`: rows this ringside never
// held in memory (as a session another node ran, or one beyond the 100 a shard keeps).
void insert_ended_copies(pgtest::Admin& db, const std::string& model, const std::string& player,
                         int count) {
  db.exec("INSERT INTO players (id, partition) SELECT '" + player +
          "', partition FROM sessions WHERE id = '" + model + "' ON CONFLICT DO NOTHING");
  // A new id: the model's with two of its random characters replaced (still a valid id) — by
  // the i-th pair of the alphabet, skipping the one pair that would give the model's own id.
  const std::string new_id =
      "substr(s.id, 1, 3) || substr(a, i / 32 + 1, 1) || substr(a, i % 32 + 1, 1) ||"
      " substr(s.id, 6)";
  db.exec(
      "INSERT INTO sessions (id, player_id, partition, game_slug, status, server, started_at,"
      " running_at, last_keepalive_at, ended_at, end_reason, cpu_seconds, peak_memory_mb)"
      " SELECT " +
      new_id + ", '" + player +
      "', s.partition, s.game_slug, s.status, s.server,"
      " s.started_at - interval '1 hour' - i * interval '1 minute',"
      " s.running_at - interval '1 hour' - i * interval '1 minute',"
      " s.last_keepalive_at - interval '1 hour' - i * interval '1 minute',"
      " s.ended_at - interval '1 hour' - i * interval '1 minute', s.end_reason, s.cpu_seconds,"
      " s.peak_memory_mb FROM sessions s, generate_series(1, " +
      std::to_string(count + 1) +
      ") AS i, (SELECT 'abcdefghijklmnopqrstuvwxyz234567'::text AS a) alphabet"
      " WHERE s.id = '" +
      model + "' AND " + new_id + " <> s.id ORDER BY i LIMIT " + std::to_string(count));
}

// With a database the ended sessions are read from it, not from what the shards keep: rows the
// process never loaded are listed, past the 100 a shard keeps of a player, with the filters
// applied by the query and merged newest first with the shards' active sessions.
TEST_F(DurableTest, EndedSessionsAreListedFromTheDatabase) {
  ASSERT_TRUE(start());
  const std::string carol = api().token_for("op-carol", kGame);
  const std::string dave = api().token_for("op-dave", kGame);
  const std::string ended = api().launch_running(carol, game_body());
  ASSERT_FALSE(ended.empty());
  ASSERT_TRUE(api().stop_ok(carol, ended).exists());
  const std::string running = api().launch_running(dave, game_body());
  ASSERT_FALSE(running.empty());
  for (int i = 0;
       i < 100 && db().value("SELECT status FROM sessions WHERE id = '" + ended + "'") != "stopped";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string server = db().value("SELECT server FROM sessions WHERE id = '" + ended + "'");
  ASSERT_FALSE(server.empty());
  insert_ended_copies(db(), ended, "op-ghost", 120);

  auto r = op(api(), "GET", "/operator/sessions?playerId=op-ghost&limit=1000");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 120u) << r->body;
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list.at(i)["playerId"].str(), "op-ghost");
    EXPECT_EQ(list.at(i)["status"].str(), "stopped");
    EXPECT_EQ(list.at(i)["endReason"].str(), "stopped");
    EXPECT_EQ(list.at(i)["server"].str(), server);
    EXPECT_EQ(list.at(i)["gameSlug"].str(), kGame);
  }
  EXPECT_FALSE(json_of(r)["partial"].exists()) << r->body;

  // Every source, newest first by launch: the running session, then the ended one, then the
  // copies (an hour older), cut at the limit.
  r = op(api(), "GET", "/operator/sessions?limit=3");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 3u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;
  EXPECT_EQ(list.at(0)["status"].str(), "running") << r->body;
  EXPECT_EQ(list.at(1)["sessionId"].str(), ended) << r->body;
  EXPECT_EQ(list.at(2)["playerId"].str(), "op-ghost") << r->body;
  EXPECT_EQ(list.at(2)["endedAt"].str(),
            db().value("SELECT to_char(max(ended_at) AT TIME ZONE 'UTC',"
                       " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM sessions"
                       " WHERE player_id = 'op-ghost'"))
      << r->body;

  // Filters are the query's: ended ones only, of this game and server.
  r = op(api(), "GET",
         "/operator/sessions?status=stopped&limit=1000&gameSlug=" + std::string(kGame) +
             "&server=" + server);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 121u) << r->body;
  r = op(api(), "GET", "/operator/sessions?status=error");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 0u) << r->body;
  r = op(api(), "GET", "/operator/sessions?status=running");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 1u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;
  r = op(api(), "GET", "/operator/sessions?playerId=op-carol");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 1u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), ended) << r->body;
  // Rendered from its row exactly as from memory: the session's details (its owner shard's
  // memory) have the same fields with the same values, plus the details-only image, backendId,
  // startKind and timeline (docs/operator-api.md).
  auto details = op(api(), "GET", "/operator/sessions/" + ended);
  ASSERT_TRUE(details && details->status == 200) << (details ? details->body : api().error());
  const Json item = list.at(0);
  const Json whole = json_of(details);
  std::vector<std::string> want_keys;
  for (const std::string& key : whole.keys()) {
    if (key != "image" && key != "backendId" && key != "startKind" && key != "timeline") {
      want_keys.push_back(key);
    }
  }
  EXPECT_EQ(item.keys(), want_keys) << r->body << "\n" << details->body;
  for (const std::string& key : want_keys) {
    EXPECT_EQ(item[key].text(), whole[key].text()) << key;
  }

  // After a restart the shards hold the newest 100 of op-ghost's; the listing still has 120.
  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start());
  r = op(api(), "GET", "/operator/sessions?playerId=op-ghost&status=stopped&limit=1000");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 120u) << r->body;
  r = op(api(), "GET", "/operator/sessions?playerId=op-ghost&limit=7");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 7u) << r->body;
}

// The database keeps the rows of servers that have left the fleet (or are in another node's
// only): a listing by such a name still reads them, rather than answering nothing at once.
TEST_F(DurableTest, EndedSessionsOfAServerNotInTheFleetAreListedByItsName) {
  ASSERT_TRUE(start());
  const std::string hal = api().token_for("op-hal", kGame);
  const std::string ended = api().launch_running(hal, game_body());
  ASSERT_FALSE(ended.empty());
  ASSERT_TRUE(api().stop_ok(hal, ended).exists());
  for (int i = 0;
       i < 100 && db().value("SELECT status FROM sessions WHERE id = '" + ended + "'") != "stopped";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  insert_ended_copies(db(), ended, "op-ivy", 2);
  db().exec("UPDATE sessions SET server = 'gone-1' WHERE player_id = 'op-ivy'");

  auto r = op(api(), "GET", "/operator/sessions?server=gone-1");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 2u) << r->body;
  for (size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list.at(i)["playerId"].str(), "op-ivy") << r->body;
    EXPECT_EQ(list.at(i)["status"].str(), "stopped") << r->body;
    EXPECT_TRUE(list.at(i)["server"].is_null()) << r->body;  // not in this fleet
  }
  EXPECT_FALSE(json_of(r)["partial"].exists()) << r->body;
  // Active sessions on it: none here, and no database read.
  r = op(api(), "GET", "/operator/sessions?server=gone-1&status=running");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 0u) << r->body;
  // A name nobody ever had: still nothing.
  r = op(api(), "GET", "/operator/sessions?server=never-1");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["sessions"].size(), 0u) << r->body;
}

// A database that cannot answer the read: the shards' active sessions are listed and the
// answer says it is partial, rather than failing or hanging; once it can, the answer is whole.
TEST_F(DurableTest, SessionsListingSaysPartialWhenTheDatabaseReadFails) {
  ASSERT_TRUE(start());
  const std::string erin = api().token_for("op-erin", kGame);
  const std::string running = api().launch_running(erin, game_body());
  ASSERT_FALSE(running.empty());
  // The read names this column: renamed, the statement fails.
  db().exec("ALTER TABLE sessions RENAME COLUMN peak_memory_mb TO peak_mb");
  auto r = op(api(), "GET", "/operator/sessions");
  db().exec("ALTER TABLE sessions RENAME COLUMN peak_mb TO peak_memory_mb");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["partial"].boolean(), std::optional<bool>(true)) << r->body;
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 1u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;

  r = op(api(), "GET", "/operator/sessions");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_FALSE(json_of(r)["partial"].exists()) << r->body;
}

// A slow read (here: the table locked by another transaction, as a rare filter walking the
// index over millions of rows would be) is cut by the read's own statement timeout: the answer
// is partial within about a second, not after the connection's 5 s batch timeout drops the
// connection, and the node's writes go on once the read is cut.
TEST_F(DurableTest, SessionsListingSaysPartialWhenTheDatabaseReadIsSlow) {
  ASSERT_TRUE(start());
  const std::string fay = api().token_for("op-fay", kGame);
  const std::string running = api().launch_running(fay, game_body());
  ASSERT_FALSE(running.empty());

  pgtest::Admin locker(database_url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
  const auto t0 = std::chrono::steady_clock::now();
  auto r = op(api(), "GET", "/operator/sessions");
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  locker.exec("ROLLBACK");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_LT(took.count(), 2500) << r->body;
  EXPECT_EQ(json_of(r)["partial"].boolean(), std::optional<bool>(true)) << r->body;
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 1u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;

  // The writes go on: a launch and stop right after land in the database, and the next
  // listing is whole.
  const std::string gus = api().token_for("op-gus", kGame);
  const std::string ended = api().launch_running(gus, game_body());
  ASSERT_FALSE(ended.empty());
  ASSERT_TRUE(api().stop_ok(gus, ended).exists());
  const auto t1 = std::chrono::steady_clock::now();
  while (db().value("SELECT count(*) FROM sessions WHERE id = '" + ended +
                    "' AND status = 'stopped'") != "1" &&
         std::chrono::steady_clock::now() - t1 < std::chrono::seconds(2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(db().value("SELECT status FROM sessions WHERE id = '" + ended + "'"), "stopped");
  r = op(api(), "GET", "/operator/sessions");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_FALSE(json_of(r)["partial"].exists()) << r->body;
  EXPECT_EQ(json_of(r)["sessions"].size(), 2u) << r->body;
}

}  // namespace
}  // namespace ringside::durable

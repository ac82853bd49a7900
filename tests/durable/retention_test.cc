// The retention sweep against a real database: a player with more ended sessions than the
// history keeps, and token sessions long expired, are trimmed in small batches while
// ringside serves; what the API can still show (the newest 100 ended, the active session,
// save slots, live tokens, tokens within their grace) stays, and reads the same after a
// restart.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"
#include "model/ids.h"
#include "model/partition.h"

namespace ringside::durable {
namespace {

using itest::json_of;

constexpr int kEnded = 150;    // seeded ended sessions of the player; the newest 100 are kept
constexpr int kExpired = 300;  // seeded token sessions expired two hours ago

class RetentionTest : public DurableTest {
 protected:
  // kEnded ended sessions of `player`, one a minute, the newest an hour ago. Their ids, newest
  // first.
  std::vector<std::string> seed_history(const std::string& player) {
    const uint16_t partition = partition_of_player(player);
    std::vector<std::string> ids;
    std::string values;
    for (int i = 0; i < kEnded; ++i) {
      ids.push_back(id_to_string(IdKind::kSession, IdOwner::partition(partition), random_id128()));
      const std::string ended =
          "now() - interval '1 hour' - interval '" + std::to_string(i) + " minutes'";
      if (i > 0) values += ",";
      values += "('" + ids.back() + "', '" + player + "', " + std::to_string(partition) + ", '" +
                std::string(kGame) + "', 'stopped', " + ended + " - interval '10 minutes', " +
                ended + " - interval '10 minutes', " + ended + ", 'stopped')";
    }
    db().exec(
        "INSERT INTO sessions (id, player_id, partition, game_slug, status, started_at,"
        " last_keepalive_at, ended_at, end_reason) VALUES " +
        values);
    return ids;
  }

  // Token sessions of `player` named by `label`, expiring at `expires` (SQL), with a replaced
  // token dead at `previous_dead` (SQL, or "NULL").
  void seed_tokens(const std::string& player, const std::string& label, int count,
                   const std::string& expires, const std::string& previous_dead = "NULL") {
    const std::string partition = std::to_string(partition_of_player(player));
    const std::string previous =
        previous_dead == "NULL" ? "NULL" : "sha256(('" + label + "-old' || i)::bytea)";
    db().exec(
        "INSERT INTO token_sessions (seed, player_id, partition, game_slug, generation, token_hash,"
        " previous_hash, previous_dead_at, expires_at) SELECT decode(md5('" +
        label + "' || i), 'hex'), '" + player + "', " + partition + ", NULL, 1, sha256(('" + label +
        "' || i)::bytea), " + previous + ", " + previous_dead + ", " + expires +
        " FROM generate_series(1, " + std::to_string(count) + ") i");
  }

  int count(const std::string& sql) { return std::stoi(db().value(sql)); }

  std::vector<std::string> history_ids(const std::string& token) {
    auto r = api().history(token, "limit=100");
    std::vector<std::string> ids;
    if (!r || r->status != 200) return ids;
    const itest::Json list = json_of(r);
    for (size_t i = 0; i < list.size(); ++i) ids.push_back(list.at(i)["sessionId"].str());
    return ids;
  }
};

TEST_F(RetentionTest, SweepKeepsWhatTheApiShowsAndDeletesTheRest) {
  const std::string player = "retention-player";
  ASSERT_TRUE(start());
  const std::string token = api().token_for(player, kGame);
  ASSERT_FALSE(token.empty());
  const std::string active = api().launch_running(token, game_body());
  ASSERT_FALSE(active.empty());
  ASSERT_EQ(0, stop_gracefully());

  const std::vector<std::string> newest_first = seed_history(player);
  seed_tokens(player, "expired", kExpired, "now() - interval '2 hours'");
  seed_tokens(player, "recent", 5, "now() - interval '10 minutes'");  // within the hour kept
  seed_tokens(player, "grace", 5, "now() - interval '2 hours'", "now() + interval '1 hour'");
  const std::string ended_beyond =
      "SELECT count(*) FROM sessions WHERE player_id = '" + player + "' AND ended_at IS NOT NULL";

  // A small batch per sweep, often, so the test need not wait.
  ASSERT_TRUE(start({"--retention-sweep-interval", "0.05"}));
  for (int i = 0;
       i < 400 && (count(ended_beyond) > 100 || count("SELECT count(*) FROM token_sessions") > 11);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // The database: the newest 100 ended sessions, exactly; the active one; the slot.
  const std::vector<std::string> kept(newest_first.begin(), newest_first.begin() + 100);
  EXPECT_EQ(100, count(ended_beyond));
  for (const std::string& id : kept) {
    EXPECT_EQ(1, count("SELECT count(*) FROM sessions WHERE id = '" + id + "'")) << id;
  }
  EXPECT_EQ(1, count("SELECT count(*) FROM sessions WHERE id = '" + active + "'"));
  EXPECT_EQ(1, count("SELECT count(*) FROM save_slots WHERE player_id = '" + player + "'"));
  // Tokens: the expired ones gone; the live one, the recently expired, those within grace kept.
  EXPECT_EQ(0, count("SELECT count(*) FROM token_sessions WHERE expires_at < now() - interval "
                     "'1 hour' AND previous_dead_at IS NULL"));
  EXPECT_EQ(11, count("SELECT count(*) FROM token_sessions"));

  // The API: history answers the newest 100, newest first; the live token works; the sweep is
  // counted.
  EXPECT_EQ(kept, history_ids(token));
  auto status = api().status(token, active);
  ASSERT_TRUE(status);
  EXPECT_EQ(200, status->status) << status->body;
  auto metrics = api().metrics();
  ASSERT_TRUE(metrics);
  EXPECT_EQ(kEnded - 100, itest::metric_value(
                              metrics->body, "ringside_retention_swept_total{table=\"sessions\"}"));
  EXPECT_EQ(kExpired,
            itest::metric_value(metrics->body,
                                "ringside_retention_swept_total{table=\"token_sessions\"}"));

  // And after a restart, from the database alone.
  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start());
  EXPECT_EQ(kept, history_ids(token));
  EXPECT_TRUE(api().stop_ok(token, active).exists());
}

TEST_F(RetentionTest, HelpStatesTheRetention) {
  const itest::CompletedRun help = itest::run_server_binary({"--help"});
  EXPECT_EQ(0, help.exit_status);
  EXPECT_NE(std::string::npos, help.output.find("--retention-sweep-interval")) << help.output;
  EXPECT_NE(std::string::npos, help.output.find("newest 100")) << help.output;
}

}  // namespace
}  // namespace ringside::durable

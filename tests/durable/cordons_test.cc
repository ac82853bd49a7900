// The operator's cordons and drains with --database-url (docs/operator-api.md, "Servers";
// migration 0010): written to server_cordons before they are answered, read back at start, so
// a cordon survives a restart, an uncordon stays undone, and a drain outlives a kill -9 of the
// node that was asked: the restarted node stops the session at the drain's deadline.
#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;
using Clock = std::chrono::steady_clock;

class CordonsTest : public DurableTest {
 protected:
  std::optional<itest::HttpResponse> command(std::string_view server, std::string_view action,
                                             std::string_view body = {}) {
    return api().send("POST",
                      "/operator/servers/" + std::string(server) + "/" + std::string(action), body,
                      itest::kOperatorKey);
  }
  Json server_item(std::string_view name) {
    Json list = json_of(api().send("GET", "/operator/servers", {}, itest::kOperatorKey))["servers"];
    for (size_t i = 0; i < list.size(); ++i) {
      if (list.at(i)["name"].str() == name) return list.at(i);
    }
    ADD_FAILURE() << "no server " << name << " in " << list.text();
    return {};
  }
  // The simulated server a running session is on, from its serverUrl
  // (https://gs01.sim.ringside.test/...).
  static std::string server_of(const Json& status) {
    const std::string url = status["serverUrl"].str();
    const size_t at = url.find("://");
    return at == std::string::npos ? "" : url.substr(at + 3, url.find('.', at) - at - 3);
  }
};

TEST_F(CordonsTest, ACordonSurvivesARestartAndAnUncordonStaysUndone) {
  const std::vector<std::string> two = {"--sim-servers", "2"};
  ASSERT_TRUE(start(two));
  auto r = command("gs01", "cordon");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), true) << r->body;
  // Answered once its row committed.
  EXPECT_EQ("1", db().value("SELECT count(*) FROM server_cordons WHERE server = 'gs01'"));

  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start(two));
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), true);
  EXPECT_EQ(server_item("gs02")["cordoned"].boolean(), false);
  // ... and placement keeps to it: every launch goes to gs02.
  for (int i = 0; i < 4; ++i) {
    const std::string token = api().token_for("cordoned-" + std::to_string(i));
    const std::string id = api().launch_running(token, game_body());
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(server_of(json_of(api().status(token, id))), "gs02");
  }

  r = command("gs01", "uncordon");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), false) << r->body;
  EXPECT_EQ("0", db().value("SELECT count(*) FROM server_cordons"));
  kill_hard();
  ASSERT_TRUE(start(two));
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);
}

TEST_F(CordonsTest, ADrainOutlivesAKillAndStopsTheSessionAtItsDeadline) {
  const std::vector<std::string> one = {"--sim-servers", "1"};
  ASSERT_TRUE(start(one));
  const std::string token = api().token_for("drained");
  const std::string id = api().launch_running(token, game_body());
  ASSERT_FALSE(id.empty());
  auto r = command("gs01", "drain", R"({"graceSeconds": 2})");
  const Clock::time_point drained_at = Clock::now();
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ("1", db().value("SELECT count(*) FROM server_cordons WHERE server = 'gs01'"
                            " AND drain_deadline > now()"));
  kill_hard();

  ASSERT_TRUE(start(one));
  // Running is fine until the deadline (or the restart, if that took longer), and a little more
  // for the stop to reach the session's shard.
  const Clock::time_point due =
      std::max(drained_at + std::chrono::seconds(2), Clock::now()) + std::chrono::seconds(1);
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), true);
  // The restarted node adopted the session and stops it once the deadline is reached.
  Json status;
  for (int waited = 0; waited < 8000; waited += 20) {
    status = json_of(api().status(token, id));
    if (status["status"].str() == "stopped") break;
    if (status["status"].str() == "running") {
      EXPECT_LT(Clock::now(), due) << "running past the drain's deadline";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(status["status"].str(), "stopped") << status.text();
  EXPECT_GE(Clock::now() - drained_at, std::chrono::milliseconds(1900))
      << "stopped before the deadline";
  EXPECT_EQ(json_of(api().details(token, id))["endReason"].str(), "server_drained");
  // Drained stays cordoned, for the next start too.
  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start(one));
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), true);
}

// A drain taken back on another node just before its deadline, which this node has not read
// yet when its timer fires: the timer stops nothing until a read confirms the deadline, and
// that read shows the row gone, so the session keeps running. This node's reads are held up
// behind a lock (as a slow round would be) from before the deadline until just after it; the
// other node's uncordon is the DELETE made under that lock.
TEST_F(CordonsTest, ADrainTakenBackElsewhereBeforeTheDeadlineStopsNothing) {
  const std::vector<std::string> one = {"--sim-servers", "1"};
  ASSERT_TRUE(start(one));
  const std::string token = api().token_for("undrained");
  const std::string id = api().launch_running(token, game_body());
  ASSERT_FALSE(id.empty());
  auto r = command("gs01", "drain", R"({"graceSeconds": 3})");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  // The deadline by the database's clock, as this test's clock.
  const long left_ms =
      std::stol(db().value("SELECT ceil(extract(epoch FROM drain_deadline - now()) * 1000)::bigint"
                           " FROM server_cordons WHERE server = 'gs01'"));
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(left_ms);
  ASSERT_GT(deadline - Clock::now(), std::chrono::milliseconds(1800));

  std::this_thread::sleep_until(deadline - std::chrono::milliseconds(1500));
  db().exec("BEGIN");
  db().exec("LOCK TABLE server_cordons IN ACCESS EXCLUSIVE MODE");
  std::this_thread::sleep_until(deadline - std::chrono::milliseconds(300));
  db().exec("DELETE FROM server_cordons WHERE server = 'gs01'");
  std::this_thread::sleep_until(deadline + std::chrono::milliseconds(500));
  db().exec("COMMIT");

  // Well past the deadline and two rounds: still running, and the uncordon read.
  for (int waited = 0; waited < 2500; waited += 50) {
    ASSERT_EQ(json_of(api().status(token, id))["status"].str(), "running");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);
}

// A database that cannot take the write: 503 with Retry-After, and nothing changed; once it is
// back the same cordon is taken.
TEST_F(CordonsTest, ACordonTheDatabaseCannotTakeIs503AndChangesNothing) {
  ASSERT_TRUE(start({"--sim-servers", "2"}));
  const std::string name = db().value("SELECT current_database()");
  pgtest::Admin cluster(pgtest::cluster_url());
  cluster.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  cluster.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
               "'");
  std::optional<itest::HttpResponse> r;
  for (int i = 0; i < 100; ++i) {
    r = command("gs01", "cordon");
    if (r && r->status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(r) << api().error();
  EXPECT_EQ(r->status, 503) << r->body;
  EXPECT_EQ(json_of(r)["error"].str(), "unavailable") << r->body;
  EXPECT_FALSE(r->header("Retry-After").empty());
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);

  cluster.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  for (int i = 0; i < 100; ++i) {
    r = command("gs01", "cordon");
    if (r && r->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), true);
  // The fixture's own connection was cut with ringside's: a new one.
  pgtest::Admin again(database_url());
  EXPECT_EQ("1", again.value("SELECT count(*) FROM server_cordons WHERE server = 'gs01'"));
}

}  // namespace
}  // namespace ringside::durable

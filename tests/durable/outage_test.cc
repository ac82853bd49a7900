// The database goes away under load — restarted (pg_ctl restart -m fast), or ringside's
// connection killed (pg_terminate_backend): status polls keep being answered from memory,
// writes are answered 503 unavailable with Retry-After (never a hang), then succeed again, and
// every launch answered 202 is in the database.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::json_of;

struct LoadResult {
  size_t polls = 0;
  size_t poll_failures = 0;
  std::atomic<size_t> launches_accepted{0};
  size_t unavailable = 0;
  size_t unavailable_without_retry_after = 0;
  size_t unanswered = 0;  // a write with no answer at all within the client's timeout
  size_t other = 0;
  std::vector<std::string> accepted_sessions;
};

class OutageTest : public DurableTest {
 protected:
  // Polls one running session and launches for new players until `done`.
  void run_load(const std::atomic<bool>& done, LoadResult* out) {
    itest::ApiClient poller_api(port());
    const std::string token = poller_api.token_for("outage-poller", kGame);
    const std::string session = poller_api.launch_running(token, game_body());
    ASSERT_FALSE(session.empty());
    std::thread poller([&] {
      while (!done) {
        auto r = poller_api.status(token, session);
        ++out->polls;
        if (!r || r->status != 200) ++out->poll_failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    itest::ApiClient api(port());
    for (int i = 0; !done; ++i) {
      const std::string player = "outage-" + std::to_string(i);
      auto grant = api.operator_launch("{\"playerId\":\"" + player + "\"}");
      if (!count(grant, out)) continue;
      auto launch = api.launch(json_of(grant)["sessionToken"].str(), game_body());
      if (!count(launch, out)) continue;
      ++out->launches_accepted;
      out->accepted_sessions.push_back(json_of(launch)["sessionId"].str());
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    poller.join();
  }

  // True for a success; counts the 503s and anything else.
  static bool count(const std::optional<itest::HttpResponse>& r, LoadResult* out) {
    if (!r) {
      ++out->unanswered;
      return false;
    }
    if (r->status == 200 || r->status == 202) return true;
    if (r->status == 503 && json_of(r)["error"].str() == "unavailable") {
      ++out->unavailable;
      if (r->header("Retry-After").empty()) ++out->unavailable_without_retry_after;
    } else {
      ++out->other;
    }
    return false;
  }

  void expect_survived(const LoadResult& r) {
    EXPECT_GT(r.polls, 100u);
    EXPECT_EQ(0u, r.poll_failures) << "status polls are answered from memory";
    EXPECT_EQ(0u, r.unanswered) << "a write must get an answer, never hang";
    EXPECT_EQ(0u, r.other);
    EXPECT_GT(r.unavailable, 0u) << "writes during the outage get 503 unavailable";
    EXPECT_EQ(0u, r.unavailable_without_retry_after);
    pgtest::Admin admin(database_url());
    for (const std::string& id : r.accepted_sessions) {
      EXPECT_EQ("1", admin.value("SELECT count(*) FROM sessions WHERE id = '" + id + "'")) << id;
    }
  }
};

TEST_F(OutageTest, DatabaseRestartMidLoad) {
  ASSERT_TRUE(start());
  std::atomic<bool> done{false};
  LoadResult result;
  std::thread load([&] { run_load(done, &result); });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const size_t before = result.launches_accepted.load();
  pgtest::restart_cluster();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const size_t after_restart = result.launches_accepted.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  done = true;
  load.join();
  EXPECT_GT(before, 0u);
  EXPECT_GT(result.launches_accepted.load(), after_restart) << "writes succeed again";
  expect_survived(result);
}

TEST_F(OutageTest, KilledConnectionMidLoad) {
  ASSERT_TRUE(start());
  std::atomic<bool> done{false};
  LoadResult result;
  std::thread load([&] { run_load(done, &result); });
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  for (int i = 0; i < 5; ++i) {
    db().exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  const size_t after_kills = result.launches_accepted.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  done = true;
  load.join();
  EXPECT_GT(result.launches_accepted.load(), after_kills) << "writes succeed again";
  expect_survived(result);
}

}  // namespace
}  // namespace ringside::durable

namespace ringside::durable {
namespace {

// The database alive but slower than the writes arriving (here: a lock holds every session
// insert): launches are refused with 503 after a bounded wait instead of queueing without end,
// and succeed again once it catches up.
TEST_F(OutageTest, SlowDatabaseGetsBackPressureNotAGrowingQueue) {
  ASSERT_TRUE(start());
  itest::ApiClient api(port());
  const std::string warm = api.token_for("slow-warm", kGame);
  ASSERT_FALSE(api.launch_accepted(warm, game_body()).empty());

  // Tokens first: their writes would wait behind the lock too.
  constexpr int kClients = 4, kLaunchesPerClient = 10;
  std::vector<std::string> tokens;
  for (int i = 0; i < kClients * kLaunchesPerClient; ++i) {
    tokens.push_back(api.token_for("slow-" + std::to_string(i), kGame));
  }
  pgtest::Admin locker(database_url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE");
  std::atomic<bool> done{false};
  std::atomic<size_t> answered{0}, unavailable{0}, unanswered{0};
  std::atomic<int64_t> slowest_ms{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      itest::ApiClient client(port());
      // Staggered: the first client's launch holds the blocked transaction; the others arrive
      // while it is in flight, and queue.
      std::this_thread::sleep_for(std::chrono::milliseconds(300 * c));
      for (int i = 0; i < kLaunchesPerClient && !done; ++i) {
        const auto begun = std::chrono::steady_clock::now();
        auto r = client.launch(tokens[c * kLaunchesPerClient + i], game_body());
        const int64_t took = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - begun)
                                 .count();
        if (took > slowest_ms) slowest_ms = took;
        if (!r) {
          ++unanswered;
          continue;
        }
        ++answered;
        if (r->status == 503) ++unavailable;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(4000));
  locker.exec("COMMIT");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  done = true;
  for (std::thread& t : clients) t.join();
  EXPECT_GT(unavailable.load(), 0u) << "launches waiting behind the lock are refused";
  EXPECT_GT(answered.load(), 4u);
  EXPECT_EQ(unanswered.load(), 0u);
  // Launches inside the blocked transaction wait for the lock (4 s); none waits much longer.
  EXPECT_LT(slowest_ms.load(), 6000);
  const std::string after = api.token_for("slow-after", kGame);
  EXPECT_FALSE(api.launch_accepted(after, game_body()).empty()) << "writes succeed again";
}

}  // namespace
}  // namespace ringside::durable

namespace ringside::durable {
namespace {

// The database refuses ringside's connection for a while (connections to it disallowed, and
// ringside's own cut): /readyz says why, writes get 503 at once, polls are still answered, and
// everything comes back when the database does.
TEST_F(OutageTest, ReadyzSaysWhyWhileTheDatabaseIsUnreachable) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("readyz-player", kGame);
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  auto readyz = [&] { return api().send("GET", "/readyz", "", ""); };
  ASSERT_EQ(200, readyz()->status);

  // From another database: a database cannot shut itself off.
  const std::string name = db().value("SELECT current_database()");
  pgtest::Admin cluster(pgtest::cluster_url());
  cluster.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
  cluster.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
               "'");
  std::optional<itest::HttpResponse> down;
  for (int i = 0; i < 100; ++i) {
    down = readyz();
    if (down && down->status == 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(down);
  EXPECT_EQ(503, down->status) << down->body;
  EXPECT_NE(std::string::npos, down->body.find("database")) << down->body;
  // What is down, not where it lives: libpq's text (host, port, user) goes to the log, once.
  EXPECT_EQ("database: unavailable", json_of(down)["message"].str()) << down->body;
  EXPECT_EQ(std::string::npos, down->body.find("127.0.0.1")) << down->body;
  EXPECT_EQ(std::string::npos, down->body.find("connection")) << down->body;
  const std::string log = server().log();
  const size_t logged = log.find("event=store_unavailable");
  EXPECT_NE(std::string::npos, logged) << log;
  EXPECT_EQ(std::string::npos, log.find("event=store_unavailable", logged + 1)) << log;
  EXPECT_FALSE(down->header("Retry-After").empty());
  auto launch = api().operator_launch("{\"playerId\":\"readyz-other\"}");
  ASSERT_TRUE(launch);
  EXPECT_EQ(503, launch->status) << launch->body;
  EXPECT_EQ("unavailable", json_of(launch)["error"].str());
  auto poll = api().status(token, session);
  ASSERT_TRUE(poll);
  EXPECT_EQ(200, poll->status) << "polls are answered from memory";
  EXPECT_EQ("running", json_of(poll)["status"].str());

  cluster.exec("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
  std::optional<itest::HttpResponse> up;
  for (int i = 0; i < 200; ++i) {
    up = readyz();
    if (up && up->status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up);
  EXPECT_EQ(200, up->status) << up->body;
  EXPECT_FALSE(api().token_for("readyz-other", kGame).empty()) << "writes succeed again";
  EXPECT_TRUE(api().stop_ok(token, session).exists());
}

}  // namespace
}  // namespace ringside::durable

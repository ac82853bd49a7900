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

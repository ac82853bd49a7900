// Many players at once (SPEC: Sessions API): 200 players, each on its own connection,
// launch, poll until their session runs and stop it. No accepted launch is lost or counted
// twice, nothing stays active afterwards, and the capacity every session held comes back.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

constexpr size_t kPlayers = 200;
constexpr std::string_view kGames[] = {"garden-of-forking-paths", "tlon-uqbar", "library-of-babel"};

// Runs f(0) ... f(n - 1), each on its own thread, and waits for all of them.
template <class F>
void in_parallel(size_t n, const F& f) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) threads.emplace_back([&f, i] { f(i); });
  for (std::thread& t : threads) t.join();
}

struct PlayerState {
  std::unique_ptr<ApiClient> api;
  std::string token;
  std::vector<std::string> sessions;  // accepted launches, oldest first
  std::vector<std::string> outcomes;  // how each ended: "stopped" or "error:<code>"
};

class SessionsConcurrencyTest : public SessionsTest {
 protected:
  void SetUp() override {
    // Exactly one slot per player: 2 servers of 100, with CPU and memory to spare, so that
    // all players can only run at once if every slot of the first round came back.
    ASSERT_TRUE(start({"--sim-servers", "2", "--sim-slots-per-server", "100", "--sim-server-cpu",
                       "10000000", "--sim-server-memory-mb", "10000000"}));
    players_.resize(kPlayers);
    in_parallel(kPlayers, [&](size_t i) {
      players_[i].api = std::make_unique<ApiClient>(port());
      players_[i].token = players_[i].api->token_for("crowd-" + std::to_string(i));
    });
    for (const PlayerState& p : players_) ASSERT_FALSE(p.token.empty());
  }

  // Launches for player i and polls until the session is no longer starting; returns the
  // final status body (absent when the launch was refused or the poll failed).
  Json launch_and_wait(size_t i) {
    PlayerState& p = players_[i];
    const std::string id = p.api->launch_accepted(p.token, game_body(kGames[i % 3]));
    if (id.empty()) return {};
    p.sessions.push_back(id);
    return p.api->wait_while_starting(p.token, id, 20000, 50);
  }

  void stop_and_record(size_t i) {
    PlayerState& p = players_[i];
    Json stopped = p.api->stop_ok(p.token, p.sessions.back());
    p.outcomes.push_back(stopped["status"].str());
  }

  // Polls /metrics until ringside_sessions{status=...} reads value.
  ::testing::AssertionResult sessions_gauge_reaches(std::string_view status, double value) {
    const std::string series = "ringside_sessions{status=\"" + std::string(status) + "\"}";
    std::optional<double> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    do {
      auto r = api().metrics();
      if (!has_status(r, 200)) return has_status(r, 200);
      seen = metric_value(r->body, series);
      if (seen == value) return ::testing::AssertionSuccess();
      sleep_ms(50);
    } while (std::chrono::steady_clock::now() < deadline);
    return ::testing::AssertionFailure()
           << series << " is " << (seen ? std::to_string(*seen) : "missing") << ", not " << value;
  }

  std::vector<PlayerState> players_;
};

TEST_F(SessionsConcurrencyTest, EveryLaunchEndsOnceAndCapacityComesBack) {
  // Round one: every player launches, waits for its session and stops it, all at once.
  in_parallel(kPlayers, [&](size_t i) {
    Json final_status = launch_and_wait(i);
    const std::string status = final_status["status"].str();
    if (status == "running") {
      stop_and_record(i);
    } else if (status == "error") {
      // A session that failed is ended: it must say why.
      EXPECT_FALSE(final_status["error"]["code"].str().empty()) << final_status.text();
      players_[i].outcomes.push_back("error:" + final_status["error"]["code"].str());
    } else {
      ADD_FAILURE() << "player " << i << ": launch ended as " << final_status.text();
    }
  });
  if (HasFailure()) return;

  // Round two: all players hold a running session at the same time, which needs every one
  // of the 200 slots of round one back.
  in_parallel(kPlayers, [&](size_t i) {
    Json final_status = launch_and_wait(i);
    EXPECT_EQ(final_status["status"].str(), "running")
        << "player " << i << ": " << final_status.text();
  });
  EXPECT_TRUE(sessions_gauge_reaches("running", kPlayers));
  in_parallel(kPlayers, [&](size_t i) {
    if (players_[i].sessions.size() == 2) stop_and_record(i);
  });

  // Nothing is left active, as the metrics and every player see it.
  EXPECT_TRUE(sessions_gauge_reaches("running", 0));
  EXPECT_TRUE(sessions_gauge_reaches("starting", 0));
  EXPECT_TRUE(sessions_gauge_reaches("stopping", 0));

  // Each accepted launch is in its player's history exactly once, newest first, ended the
  // way its player saw it end; no session id was handed out twice.
  std::set<std::string> all_ids;
  for (size_t i = 0; i < kPlayers; ++i) {
    SCOPED_TRACE("player " + std::to_string(i));
    PlayerState& p = players_[i];
    ASSERT_EQ(p.sessions.size(), 2u);
    ASSERT_EQ(p.outcomes.size(), 2u);
    for (const std::string& id : p.sessions) EXPECT_TRUE(all_ids.insert(id).second) << id;
    EXPECT_EQ(json_of(p.api->current(p.token))["active"].boolean(), false);
    EXPECT_EQ(json_of(p.api->sessions(p.token))["sessions"].size(), 0u);
    Json history = json_of(p.api->history(p.token));
    ASSERT_EQ(history.size(), 2u) << history.text();
    for (size_t k = 0; k < 2; ++k) {
      Json entry = history.at(1 - k);  // newest first
      EXPECT_EQ(entry["sessionId"].str(), p.sessions[k]) << history.text();
      EXPECT_EQ(entry["endReason"].str(), p.outcomes[k] == "stopped" ? "stopped" : "error")
          << history.text();
    }
  }
}

}  // namespace
}  // namespace ringside::itest

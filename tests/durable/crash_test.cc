// kill -9 in the middle of a launch storm: after a restart every launch that was answered 202
// exists, exactly once, and nothing exists half-made: a start the crash cut short on its
// server ends in `error`, start_failed; one not placed yet (queued or pulling: no server in
// its row) is placed again: it runs, or waits in the queue again.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::json_of;

struct Accepted {
  std::string token;
  std::string session;
};

TEST_F(DurableTest, KillDuringLaunchStormLosesNoAcceptedLaunch) {
  // Room for every launch on the simulated fleet, and no rate limit in the way.
  ASSERT_TRUE(start(
      {"--sim-slots-per-server", "2000", "--launch-budget", "100000/s", "--sim-start-ms", "300"}));
  constexpr int kClients = 4;
  constexpr int kPlayersPerClient = 1500;
  constexpr size_t kKillAfter = 1500;  // accepted launches before the kill

  std::mutex mu;
  std::vector<Accepted> accepted;
  std::atomic<size_t> accepted_count{0};
  std::atomic<bool> killed{false};
  std::vector<std::thread> clients;
  const uint16_t port = this->port();
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      itest::ApiClient api(port);
      for (int i = 0; i < kPlayersPerClient && !killed; ++i) {
        const std::string player = "storm-" + std::to_string(c) + "-" + std::to_string(i);
        auto grant = api.operator_launch("{\"playerId\":\"" + player + "\",\"gameSlug\":\"" +
                                         std::string(kGame) + "\"}");
        if (!grant || grant->status != 200) continue;
        const std::string token = json_of(grant)["sessionToken"].str();
        auto launch = api.launch(token, game_body());
        if (!launch || launch->status != 202) continue;
        std::lock_guard lock(mu);
        accepted.push_back({token, json_of(launch)["sessionId"].str()});
        accepted_count = accepted.size();
      }
    });
  }
  while (accepted_count < kKillAfter) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill_hard();
  killed = true;
  for (std::thread& t : clients) t.join();
  ASSERT_GE(accepted.size(), kKillAfter);

  // The same fleet: the launches placed again after the restart have room.
  ASSERT_TRUE(start({"--sim-slots-per-server", "2000", "--sim-start-ms", "300"}));
  // Exactly once in the database...
  std::set<std::string> ids;
  for (const Accepted& a : accepted) ids.insert(a.session);
  ASSERT_EQ(ids.size(), accepted.size()) << "a session id was answered twice";
  std::string list = "{";
  for (const std::string& id : ids) list += (list.size() > 1 ? "," : "") + id;
  list += "}";
  EXPECT_EQ(std::to_string(ids.size()),
            db().value("SELECT count(*) FROM sessions WHERE id = ANY('" + list + "'::text[])"));
  // Nothing half-made: every start the crash cut short on its server has ended (recovery fails
  // it) or runs; one never placed was placed again: it runs, or waits in the queue (the fleet
  // is full: CPU), its row `starting` with phase `queued`.
  const std::string half_made =
      "SELECT count(*) FROM sessions WHERE status = 'starting' AND phase IS DISTINCT FROM "
      "'queued'";
  for (int waited = 0; waited < 100; ++waited) {
    if (db().value(half_made) == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ("0", db().value(half_made));
  // ... and through the API, with the token that came with it: running, failed, or queued —
  // every accepted launch is one of them.
  size_t running = 0, failed = 0, queued = 0;
  for (const Accepted& a : accepted) {
    auto r = api().status(a.token, a.session);
    ASSERT_TRUE(r && r->status == 200) << a.session << ": " << (r ? r->body : api().error());
    const std::string status = json_of(r)["status"].str();
    if (status == "running") ++running;
    if (status == "error") ++failed;
    if (status == "starting" && json_of(r)["phase"].str() == "queued") ++queued;
  }
  EXPECT_GT(running, 0u);
  EXPECT_EQ(running + failed + queued, accepted.size())
      << running << " running, " << failed << " failed, " << queued << " queued";
  EXPECT_EQ("0", db().value("SELECT count(*) FROM sessions s WHERE NOT EXISTS"
                            " (SELECT 1 FROM token_sessions t WHERE t.player_id = s.player_id)"));
  EXPECT_EQ("0", db().value("SELECT count(*) FROM (SELECT player_id FROM sessions"
                            " WHERE ended_at IS NULL GROUP BY player_id HAVING count(*) > 1) x"));
}

}  // namespace
}  // namespace ringside::durable

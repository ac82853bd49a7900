// Whose session is whose (SPEC: error table, 404 "never leak existence"; Conventions: ids
// that name their shard): another player's or a malformed session id is not found, and a
// player's requests agree whichever shard's connection carries them.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

using SessionsOwnershipTest = SessionsTest;

// Asks about session_id with token on every endpoint that names a session, and expects 404.
void expect_not_found_everywhere(ApiClient& api, std::string_view token,
                                 std::string_view session_id) {
  SCOPED_TRACE("session id '" + std::string(session_id) + "'");
  EXPECT_TRUE(is_error(api.status(token, session_id), 404, "not_found"));
  EXPECT_TRUE(is_error(api.keepalive(token, session_id), 404, "not_found"));
  EXPECT_TRUE(is_error(api.stop(token, session_id), 404, "not_found"));
  EXPECT_TRUE(is_error(api.details(token, session_id), 404, "not_found"));
}

TEST_F(SessionsOwnershipTest, AnotherPlayersSessionIsNotFound) {
  ASSERT_TRUE(start());
  const std::string owner = api().token_for("owner");
  const std::string id = api().launch_running(owner, game_body(kGame));
  ASSERT_FALSE(id.empty());
  // Several other players, so that some live on the owner's shard and some on the other.
  for (int i = 0; i < 6; ++i) {
    expect_not_found_everywhere(api(), api().token_for("other-" + std::to_string(i)), id);
  }
  // The owner's token for another game scope is still the same player.
  EXPECT_TRUE(has_status(api().status(api().token_for("owner", kGame), id), 200));
  // Nothing the others did touched it.
  Json s = json_of(api().status(owner, id));
  EXPECT_EQ(s["status"].str(), "running") << s.text();
  api().stop_ok(owner, id);
  // Ended, it stays invisible to others.
  expect_not_found_everywhere(api(), api().token_for("other-0"), id);
}

TEST_F(SessionsOwnershipTest, MalformedSessionIdIsNotFound) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string changed = id;
  changed[id.size() / 2] = changed[id.size() / 2] == 'a' ? 'b' : 'a';
  for (const std::string& bad :
       {std::string("nope"), std::string("0"), id + "a", id.substr(0, id.size() - 1), upper,
        changed, token, std::string(id.size(), 'z')}) {
    expect_not_found_everywhere(api(), token, bad);
  }
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "running");
}

TEST_F(SessionsOwnershipTest, MissingSessionIdIs400) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  EXPECT_TRUE(
      is_error(api().send("GET", "/api/game/session-status", {}, token), 400, "invalid_request"));
  EXPECT_TRUE(is_error(api().send("GET", "/api/game/session-status?sessionId=", {}, token), 400,
                       "invalid_request"));
  for (const char* body : {"{}", "", R"({"sessionId":5})", "sessionId=x"}) {
    EXPECT_TRUE(
        is_error(api().send("POST", "/api/game/keepalive", body, token), 400, "invalid_request"))
        << body;
    EXPECT_TRUE(is_error(api().send("POST", "/api/game/stop", body, token), 400, "invalid_request"))
        << body;
  }
}

// Sends the same request on every connection before reading any answer, so that both shards
// work on them at once; returns the answers in connection order.
std::vector<std::optional<HttpResponse>> on_all(
    std::vector<std::unique_ptr<HttpClient>>& connections, const std::string& request) {
  for (auto& c : connections) EXPECT_TRUE(c->send_raw(request)) << c->error();
  std::vector<std::optional<HttpResponse>> answers;
  for (auto& c : connections) {
    answers.push_back(c->read_response());
    EXPECT_TRUE(answers.back()) << c->error();
  }
  return answers;
}

TEST_F(SessionsOwnershipTest, PlayerRequestsAgreeOverConnectionsToEveryShard) {
  ASSERT_TRUE(start());
  // SO_REUSEPORT spreads these over both shards; each player is owned by one of them, so
  // most players are reached both locally and forwarded.
  constexpr int kConnections = 16;
  constexpr int kPlayers = 8;
  std::vector<std::unique_ptr<HttpClient>> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(std::make_unique<HttpClient>());
    ASSERT_TRUE(connections.back()->connect(port())) << connections.back()->error();
  }

  for (int p = 0; p < kPlayers; ++p) {
    SCOPED_TRACE("player " + std::to_string(p));
    const std::string token = api().token_for("spread-" + std::to_string(p));
    const HeaderList auth = {{"Authorization", "Bearer " + token}};

    // One launch wins; every other connection hears of that same session.
    auto launches =
        on_all(connections, make_request("POST", "/api/game/launch", game_body(kGame), auth));
    std::string id;
    int accepted = 0;
    for (const auto& r : launches) {
      if (r && r->status == 202) {
        ++accepted;
        id = json_of(r)["sessionId"].str();
      }
    }
    ASSERT_EQ(accepted, 1);
    for (const auto& r : launches) {
      if (r && r->status == 202) continue;
      EXPECT_TRUE(is_error(r, 409, "session_active"));
      EXPECT_EQ(json_of(r)["sessionId"].str(), id);
    }
    ASSERT_EQ(api().wait_while_starting(token, id)["status"].str(), "running");

    auto statuses = on_all(
        connections, make_request("GET", "/api/game/session-status?sessionId=" + id, {}, auth));
    for (const auto& r : statuses) {
      ASSERT_TRUE(has_status(r, 200));
      EXPECT_EQ(json_of(r)["status"].str(), "running") << describe(*r);
      EXPECT_EQ(r->body, statuses.front()->body);
    }

    // Every stop is answered, all with the one outcome.
    auto stops =
        on_all(connections, make_request("POST", "/api/game/stop", session_body(id), auth));
    for (const auto& r : stops) {
      ASSERT_TRUE(has_status(r, 200));
      EXPECT_EQ(json_of(r)["status"].str(), "stopped") << describe(*r);
      EXPECT_EQ(r->body, stops.front()->body);
    }
    EXPECT_EQ(json_of(api().history(token)).size(), 1u);
  }

  auto metrics = api().metrics();
  ASSERT_TRUE(has_status(metrics, 200));
  EXPECT_GT(metric_value(metrics->body, "ringside_cross_shard_requests_total").value_or(0), 0)
      << metrics->body;
  for (const char* shard : {"0", "1"}) {
    const std::string series =
        std::string(R"(ringside_accepted_connections_total{shard=")") + shard + "\"}";
    EXPECT_GT(metric_value(metrics->body, series).value_or(0), 0) << metrics->body;
  }
}

}  // namespace
}  // namespace ringside::itest

// The operator's sessions API (SPEC: Operator API; docs/operator-api.md, "Sessions"): the
// listing of every player's sessions with its filters and limits, one session with its
// placement and timeline, and the operator's stop — all through the public API, sim backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

using OperatorSessionsTest = SessionsTest;

std::optional<HttpResponse> op_get(ApiClient& api, const std::string& target,
                                   std::string_view key = kOperatorKey) {
  return api.send("GET", target, "", key);
}

// The sessionIds of a listing's answer, in its order.
std::vector<std::string> ids_of(const Json& answer) {
  std::vector<std::string> ids;
  Json list = answer["sessions"];
  for (size_t i = 0; i < list.size(); ++i) ids.push_back(list.at(i)["sessionId"].str());
  return ids;
}

std::vector<std::string> list_ids(ApiClient& api, const std::string& query) {
  auto r = op_get(api, "/operator/sessions" + query);
  EXPECT_TRUE(has_status(r, 200));
  return ids_of(json_of(r));
}

// Three players on a two-shard server: alice's session stopped, then bob's and carol's
// running (carol's on the other game). Launched in that order, a few ms apart.
struct Three {
  std::string alice, bob, carol;
};

Three launch_three(ApiClient& api) {
  Three t;
  const std::string a = api.token_for("alice");
  t.alice = api.launch_running(a, game_body(kGame));
  api.stop_ok(a, t.alice);
  sleep_ms(5);
  t.bob = api.launch_running(api.token_for("bob"), game_body(kGame));
  sleep_ms(5);
  t.carol = api.launch_running(api.token_for("carol"), game_body(kOtherGame));
  return t;
}

TEST_F(OperatorSessionsTest, ListsEveryPlayersSessionsNewestFirstWithTheirFields) {
  ASSERT_TRUE(start());
  const Three t = launch_three(api());
  ASSERT_FALSE(t.alice.empty() || t.bob.empty() || t.carol.empty());

  auto r = op_get(api(), "/operator/sessions");
  ASSERT_TRUE(has_status(r, 200));
  Json body = json_of(r);
  // Other players' sessions, ended ones included, newest launch first.
  EXPECT_EQ(ids_of(body), (std::vector<std::string>{t.carol, t.bob, t.alice})) << describe(*r);
  Json carol = body["sessions"].at(0);
  EXPECT_EQ(carol["playerId"].str(), "carol");
  EXPECT_EQ(carol["status"].str(), "running");
  EXPECT_EQ(carol["gameSlug"].str(), kOtherGame);
  EXPECT_FALSE(carol["server"].str().empty()) << carol.text();
  EXPECT_TRUE(carol["containerUrl"].is_string()) << carol.text();
  EXPECT_TRUE(carol["endReason"].is_null()) << carol.text();
  Json alice = body["sessions"].at(2);
  EXPECT_EQ(alice["playerId"].str(), "alice");
  EXPECT_EQ(alice["status"].str(), "stopped");
  EXPECT_EQ(alice["endReason"].str(), "stopped");
  EXPECT_TRUE(alice["endedAt"].is_string()) << alice.text();
}

TEST_F(OperatorSessionsTest, FiltersByPlayerGameServerAndStatus) {
  ASSERT_TRUE(start());
  const Three t = launch_three(api());
  ASSERT_FALSE(t.alice.empty() || t.bob.empty() || t.carol.empty());

  EXPECT_EQ(list_ids(api(), "?playerId=bob"), std::vector<std::string>{t.bob});
  EXPECT_EQ(list_ids(api(), "?playerId=nobody"), std::vector<std::string>{});
  EXPECT_EQ(list_ids(api(), "?gameSlug=" + std::string(kGame)),
            (std::vector<std::string>{t.bob, t.alice}));
  EXPECT_EQ(list_ids(api(), "?status=running"), (std::vector<std::string>{t.carol, t.bob}));
  EXPECT_EQ(list_ids(api(), "?status=stopped"), std::vector<std::string>{t.alice});
  EXPECT_EQ(list_ids(api(), "?status=starting"), std::vector<std::string>{});
  EXPECT_EQ(list_ids(api(), "?status=running&gameSlug=" + std::string(kOtherGame)),
            std::vector<std::string>{t.carol});
  // A valid name nothing has: an empty list, not an error.
  EXPECT_EQ(list_ids(api(), "?gameSlug=no-such-game"), std::vector<std::string>{});
  EXPECT_EQ(list_ids(api(), "?server=no-such-server"), std::vector<std::string>{});

  // The server bob's session runs on lists it (and whatever else runs there).
  Json bob = json_of(op_get(api(), "/operator/sessions?playerId=bob"))["sessions"].at(0);
  const std::string server = bob["server"].str();
  ASSERT_FALSE(server.empty()) << bob.text();
  std::vector<std::string> on_server = list_ids(api(), "?status=running&server=" + server);
  EXPECT_NE(std::find(on_server.begin(), on_server.end(), t.bob), on_server.end());
  for (const std::string& id : on_server) {
    Json one = json_of(op_get(api(), "/operator/sessions/" + id));
    EXPECT_EQ(one["server"].str(), server) << one.text();
  }
}

TEST_F(OperatorSessionsTest, LimitKeepsTheNewestAndIsBounded) {
  ASSERT_TRUE(start());
  const Three t = launch_three(api());
  ASSERT_FALSE(t.alice.empty() || t.bob.empty() || t.carol.empty());
  EXPECT_EQ(list_ids(api(), "?limit=2"), (std::vector<std::string>{t.carol, t.bob}));
  EXPECT_EQ(list_ids(api(), "?limit=1"), std::vector<std::string>{t.carol});
  EXPECT_EQ(list_ids(api(), "?limit=1000").size(), 3u);
  for (const char* bad : {"0", "1001", "-1", "ten", "", "2x"}) {
    auto r = op_get(api(), std::string("/operator/sessions?limit=") + bad);
    EXPECT_TRUE(is_error(r, 400, "invalid_request")) << bad;
    EXPECT_NE(json_of(r)["message"].str().find("limit"), std::string::npos) << describe(*r);
  }
}

TEST_F(OperatorSessionsTest, BadFiltersAre400) {
  ASSERT_TRUE(start());
  std::vector<std::string> queries = {"status=paused", "status=", "gameSlug=Not%20A%20Slug",
                                      "playerId=",     "server=", "playerId=%zz"};
  queries.push_back("gameSlug=" + std::string(65, 'a'));
  queries.push_back("playerId=" + std::string(257, 'p'));
  for (const std::string& query : queries) {
    auto r = op_get(api(), "/operator/sessions?" + query);
    EXPECT_TRUE(is_error(r, 400, "invalid_request")) << query;
  }
}

TEST_F(OperatorSessionsTest, NeedTheOperatorKey) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  const std::string one = "/operator/sessions/" + id;
  for (const std::string& target : {std::string("/operator/sessions"), one}) {
    EXPECT_TRUE(is_error(op_get(api(), target, ""), 401, "unauthorized")) << target;
    EXPECT_TRUE(is_error(op_get(api(), target, "wrong-key"), 403, "forbidden")) << target;
    // A player's token is not the operator key.
    EXPECT_TRUE(is_error(op_get(api(), target, token), 403, "forbidden")) << target;
  }
  EXPECT_TRUE(is_error(api().send("POST", one + "/stop", "", ""), 401, "unauthorized"));
  EXPECT_TRUE(is_error(api().send("POST", one + "/stop", "", "wrong-key"), 403, "forbidden"));
  // Nothing was stopped.
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "running");
}

TEST_F(OperatorSessionsTest, OneSessionWithPlacementAndTimelineInOrder) {
  ASSERT_TRUE(start({"--sim-cached-images", "none"}));  // so that its start pulls
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());

  auto r = op_get(api(), "/operator/sessions/" + id);
  ASSERT_TRUE(has_status(r, 200));
  Json s = json_of(r);
  EXPECT_EQ(s["sessionId"].str(), id);
  EXPECT_EQ(s["playerId"].str(), "alice");
  EXPECT_EQ(s["status"].str(), "running");
  EXPECT_FALSE(s["server"].str().empty()) << s.text();
  EXPECT_FALSE(s["image"].str().empty()) << s.text();
  EXPECT_TRUE(s["backendId"].is_null()) << s.text();  // the sim backend names none
  // Its pull and start on the sim backend: queued, pulling, creating, running, in time order.
  Json tl = s["timeline"];
  std::vector<std::string> steps;
  std::string last_at;
  for (size_t i = 0; i < tl.size(); ++i) {
    Json e = tl.at(i);
    std::string step = e["status"].str();
    if (e["phase"].exists()) step.append("/").append(e["phase"].str());
    steps.push_back(step);
    EXPECT_GE(e["at"].str(), last_at) << s.text();  // RFC 3339 of one width: text order
    last_at = e["at"].str();
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"starting/queued", "starting/pulling",
                                             "starting/creating", "running"}))
      << s.text();

  api().stop_ok(token, id);
  Json ended = json_of(op_get(api(), "/operator/sessions/" + id));
  tl = ended["timeline"];
  ASSERT_EQ(tl.size(), 6u) << ended.text();
  EXPECT_EQ(tl.at(4)["status"].str(), "stopping");
  EXPECT_EQ(tl.at(5)["status"].str(), "stopped");
  EXPECT_EQ(ended["endReason"].str(), "stopped");
}

TEST_F(OperatorSessionsTest, UnknownOrMalformedSessionIs404) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  std::string other = id;  // same partition, other random bits
  other[5] = other[5] == 'a' ? 'b' : 'a';
  for (const std::string& bad : {other, std::string("nonsense"), std::string("szz")}) {
    EXPECT_TRUE(is_error(op_get(api(), "/operator/sessions/" + bad), 404, "not_found")) << bad;
    EXPECT_TRUE(
        is_error(api().send("POST", "/operator/sessions/" + bad + "/stop", "", kOperatorKey), 404,
                 "not_found"))
        << bad;
  }
}

TEST_F(OperatorSessionsTest, OperatorStopEndsThePlayersSessionWithItsFigures) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  sleep_ms(1100);

  auto r = api().send("POST", "/operator/sessions/" + id + "/stop", "", kOperatorKey);
  ASSERT_TRUE(has_status(r, 200));
  Json figures = json_of(r);
  EXPECT_EQ(figures["status"].str(), "stopped") << describe(*r);
  ASSERT_TRUE(figures["duration"].integer()) << describe(*r);
  EXPECT_GE(*figures["duration"].integer(), 1) << describe(*r);
  EXPECT_TRUE(figures["cpuSeconds"].number()) << describe(*r);
  EXPECT_TRUE(figures["peakMemoryMb"].number()) << describe(*r);

  // The player sees it stopped, and why.
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "stopped");
  Json history = json_of(api().history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["endReason"].str(), "operator_stop") << history.text();
  // Stopping it again answers the same figures.
  auto again = api().send("POST", "/operator/sessions/" + id + "/stop", "", kOperatorKey);
  ASSERT_TRUE(has_status(again, 200));
  EXPECT_EQ(json_of(again)["duration"].integer(), figures["duration"].integer());
  EXPECT_EQ(json_of(op_get(api(), "/operator/sessions/" + id))["endReason"].str(), "operator_stop");
  // The player may launch again.
  EXPECT_FALSE(api().launch_accepted(token, game_body(kGame)).empty());
}

}  // namespace
}  // namespace ringside::itest

// Launching a game (SPEC: Sessions API, launch and session-status; the error table): the 202
// and the poll until running, then every refusal a launch can meet: 400, 403, 404, 409, 429
// and 503.
#include <gtest/gtest.h>

#include <charconv>
#include <ctime>
#include <optional>
#include <set>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

using SessionsLaunchTest = SessionsTest;

// Retry-After as whole seconds, when present and well formed.
std::optional<int> retry_after(const HttpResponse& r) {
  const std::string v = r.header("Retry-After");
  int seconds = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) return std::nullopt;
  return seconds;
}

::testing::AssertionResult is_refusal_with_retry(const std::optional<HttpResponse>& r, int status,
                                                 std::string_view code) {
  if (auto ok = is_error(r, status, code); !ok) return ok;
  if (!retry_after(*r) || *retry_after(*r) < 1) {
    return ::testing::AssertionFailure() << "no Retry-After of at least 1 s:\n" << describe(*r);
  }
  return ::testing::AssertionSuccess();
}

TEST_F(SessionsLaunchTest, LaunchIsAcceptedAndRunsWithItsUrls) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const time_t before = std::time(nullptr);
  auto r = api().launch(token, game_body(kGame));
  ASSERT_TRUE(has_status(r, 202));
  EXPECT_EQ(media_type(*r), "application/json");
  const std::string id = json_of(r)["sessionId"].str();
  EXPECT_TRUE(is_url_safe(id)) << describe(*r);
  EXPECT_EQ(json_of(r)["status"].str(), "starting") << describe(*r);

  Json running = api().wait_while_starting(token, id);
  ASSERT_EQ(running["status"].str(), "running") << running.text();
  EXPECT_EQ(running["sessionId"].str(), id);
  const std::string server_url = running["serverUrl"].str();
  EXPECT_FALSE(server_url.empty()) << running.text();
  EXPECT_EQ(running["containerUrl"].str(), server_url + "/session/" + id + "/");
  EXPECT_EQ(running["gameTitle"].str(), kGameTitle);
  ASSERT_TRUE(is_rfc3339_utc(running["startedAt"]));
  const time_t started = *parse_rfc3339_utc(running["startedAt"].str());
  EXPECT_GE(started, before - 1);
  EXPECT_LE(started, std::time(nullptr) + 1);
  EXPECT_FALSE(running["phase"].exists()) << "a running session has no phase: " << running.text();
  EXPECT_FALSE(running["error"].exists()) << running.text();
}

TEST_F(SessionsLaunchTest, StartingShowsItsPhaseAndPullingAnImage) {
  ASSERT_TRUE(start({"--sim-cached-images", "none"}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  const std::set<std::string> phases = {"queued", "pulling", "creating"};
  std::set<std::string> seen;
  for (int polls = 0; polls < 1000; ++polls) {
    auto r = api().status(token, id);
    ASSERT_TRUE(has_status(r, 200));
    Json s = json_of(r);
    if (s["status"].str() != "starting") {
      EXPECT_EQ(s["status"].str(), "running") << s.text();
      break;
    }
    EXPECT_TRUE(phases.contains(s["phase"].str())) << s.text();
    seen.insert(s["phase"].str());
    // Until it runs, the URL keys are there, and null.
    EXPECT_TRUE(s["serverUrl"].is_null()) << s.text();
    EXPECT_TRUE(s["containerUrl"].is_null()) << s.text();
    EXPECT_EQ(s["gameTitle"].str(), kGameTitle);
    EXPECT_TRUE(is_rfc3339_utc(s["startedAt"]));
    sleep_ms(5);
  }
  EXPECT_TRUE(seen.contains("pulling")) << "no image was on any server, yet no 'pulling' seen";
}

TEST_F(SessionsLaunchTest, SecondLaunchIs409NamingTheActiveSession) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  for (std::string_view game : {kGame, kOtherGame}) {
    auto r = api().launch(token, game_body(game));
    EXPECT_TRUE(is_error(r, 409, "session_active")) << game;
    EXPECT_EQ(json_of(r)["sessionId"].str(), id) << game;
  }
  // Once it ended, the player may launch again.
  api().stop_ok(token, id);
  EXPECT_FALSE(api().launch_accepted(token, game_body(kOtherGame)).empty());
}

TEST_F(SessionsLaunchTest, GameScopedTokenLaunchesItsGameOnly) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice", kGame);
  EXPECT_TRUE(is_error(api().launch(token, game_body(kOtherGame)), 403, "forbidden"));
  // Without gameSlug the token's game is launched.
  const std::string id = api().launch_accepted(token, "{}");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(json_of(api().details(token, id))["gameSlug"].str(), kGame);
  api().stop_ok(token, id);
  // Naming its own game is fine too.
  EXPECT_FALSE(api().launch_accepted(token, game_body(kGame)).empty());
}

TEST_F(SessionsLaunchTest, UnscopedTokenMustNameAKnownGame) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  EXPECT_TRUE(is_error(api().launch(token, "{}"), 400, "invalid_request"));
  EXPECT_TRUE(is_error(api().launch(token, R"({"fresh":true})"), 400, "invalid_request"));
  EXPECT_TRUE(is_error(api().launch(token, game_body("pong")), 404, "not_found"));
}

TEST_F(SessionsLaunchTest, MalformedLaunchBodyIs400) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  for (const char* body : {"not json", R"({"gameSlug":"tlon-uqbar")", "[]", R"("tlon-uqbar")",
                           R"({"gameSlug":5})", R"({"gameSlug":"tlon-uqbar","fresh":"yes"})",
                           R"({"gameSlug":"tlon-uqbar","saveSlotId":17})"}) {
    EXPECT_TRUE(is_error(api().launch(token, body), 400, "invalid_request")) << body;
  }
  // None of them launched anything.
  EXPECT_EQ(json_of(api().sessions(token))["sessions"].size(), 0u);
}

TEST_F(SessionsLaunchTest, SaveSlotTogetherWithFreshIs400) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  const std::string slot = json_of(api().details(token, id))["saveSlotId"].str();
  ASSERT_FALSE(slot.empty());
  api().stop_ok(token, id);
  EXPECT_TRUE(is_error(api().launch(token, R"({"gameSlug":"tlon-uqbar","saveSlotId":")" + slot +
                                               R"(","fresh":true})"),
                       400, "invalid_request"));
}

TEST_F(SessionsLaunchTest, SaveSlotThatIsNotThePlayersOfThisGameIs404) {
  ASSERT_TRUE(start());
  const std::string alice = api().token_for("alice");
  const std::string bob = api().token_for("bob");
  const std::string id = api().launch_accepted(bob, game_body(kGame));
  const std::string bobs_slot = json_of(api().details(bob, id))["saveSlotId"].str();
  ASSERT_FALSE(bobs_slot.empty());
  api().stop_ok(bob, id);

  auto with_slot = [](std::string_view game, std::string_view slot) {
    return R"({"gameSlug":")" + std::string(game) + R"(","saveSlotId":")" + std::string(slot) +
           R"("})";
  };
  // Another player's slot, a slot of another game, and ids that name no slot at all.
  EXPECT_TRUE(is_error(api().launch(alice, with_slot(kGame, bobs_slot)), 404, "not_found"));
  EXPECT_TRUE(is_error(api().launch(bob, with_slot(kOtherGame, bobs_slot)), 404, "not_found"));
  EXPECT_TRUE(is_error(api().launch(bob, with_slot(kGame, "nope")), 404, "not_found"));
  EXPECT_TRUE(is_error(api().launch(bob, with_slot(kGame, id)), 404, "not_found"));
  // Bob's own slot of that game continues.
  EXPECT_FALSE(api().launch_accepted(bob, with_slot(kGame, bobs_slot)).empty());
}

TEST_F(SessionsLaunchTest, PlayerLaunchRateIs429WithRetryAfterAndConflictsDoNotCount) {
  ASSERT_TRUE(start({"--launch-rate-per-player", "2/min"}));
  const std::string token = api().token_for("alice");
  const std::string first = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(first.empty());
  // Refused launches (409, 400) spend nothing of the rate.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(is_error(api().launch(token, game_body(kGame)), 409, "session_active"));
    EXPECT_TRUE(is_error(api().launch(token, "{}"), 400, "invalid_request"));
  }
  api().stop_ok(token, first);
  const std::string second = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(second.empty());
  api().stop_ok(token, second);

  auto r = api().launch(token, game_body(kGame));
  EXPECT_TRUE(is_refusal_with_retry(r, 429, "rate_limited"));
  // One launch comes back every 30 s at 2/min.
  if (r && retry_after(*r)) {
    EXPECT_LE(*retry_after(*r), 30) << describe(*r);
  }
  // Another player is not limited by alice's launches.
  EXPECT_FALSE(api().launch_accepted(api().token_for("bob"), game_body(kGame)).empty());
}

TEST_F(SessionsLaunchTest, GlobalLaunchBudgetIs429WithRetryAfter) {
  // A budget of 2 a minute, shared by the shards: at most 2 of these launches get through.
  ASSERT_TRUE(start({"--launch-budget", "2/min", "--launch-rate-per-player", "100/min"}));
  int accepted = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string token = api().token_for("player-" + std::to_string(i));
    auto r = api().launch(token, game_body(kGame));
    ASSERT_TRUE(r) << api().error();
    if (r->status == 202) {
      ++accepted;
    } else {
      EXPECT_TRUE(is_refusal_with_retry(r, 429, "rate_limited"));
      ++limited;
    }
  }
  EXPECT_GE(accepted, 1);
  EXPECT_LE(accepted, 2);
  EXPECT_EQ(accepted + limited, 8);
}

TEST_F(SessionsLaunchTest, WrongMethodIs405WithAllow) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  struct Case {
    const char* method;
    const char* target;
    const char* allowed;
  };
  for (const Case& c :
       {Case{"GET", "/api/game/launch", "POST"}, Case{"DELETE", "/api/game/stop", "POST"},
        Case{"POST", "/api/game/session-status", "GET"}, Case{"POST", "/api/games", "GET"},
        Case{"GET", "/operator/launch", "POST"}}) {
    auto r = api().send(c.method, c.target, {}, token);
    EXPECT_TRUE(is_error(r, 405, "method_not_allowed")) << c.method << " " << c.target;
    if (r) {
      EXPECT_NE(r->header("Allow").find(c.allowed), std::string::npos) << describe(*r);
    }
  }
}

TEST_F(SessionsLaunchTest, OversizedLaunchBodyIs413) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string body =
      R"({"gameSlug":"tlon-uqbar","padding":")" + std::string(70000, 'x') + R"("})";
  EXPECT_TRUE(is_error(api().launch(token, body), 413, "payload_too_large"));
  // Nothing was launched.
  ApiClient fresh(port());
  EXPECT_EQ(json_of(fresh.sessions(token))["sessions"].size(), 0u);
}

// One server with one slot and a queue of one: the first launch runs, the second waits, the
// third finds the queue full. ringside either refuses it at once (503 no_servers, Retry-After)
// or, when it slipped in as the queue filled, accepts it and ends it in error no_servers
// (docs/decisions.md: Queue full). It is never lost: it ends one way or the other.
TEST_F(SessionsLaunchTest, NoCapacityIs503NoServers) {
  ASSERT_TRUE(start({"--sim-servers", "1", "--sim-slots-per-server", "1", "--launch-queue", "1"}));
  const std::string first = api().token_for("first");
  const std::string second = api().token_for("second");
  const std::string third = api().token_for("third");
  const std::string running = api().launch_running(first, game_body(kGame));
  ASSERT_FALSE(running.empty());
  const std::string queued = api().launch_accepted(second, game_body(kGame));
  ASSERT_FALSE(queued.empty());
  // It waits for the slot the first one holds, as the launch queue shows.
  std::optional<double> waiting;
  for (int i = 0; i < 100 && waiting != 1.0; ++i) {
    sleep_ms(10);
    auto metrics = api().metrics();
    ASSERT_TRUE(has_status(metrics, 200));
    waiting = metric_value(metrics->body, "ringside_launches_queued");
  }
  EXPECT_EQ(waiting, 1.0);
  Json s = json_of(api().status(second, queued));
  EXPECT_EQ(s["status"].str(), "starting") << s.text();
  EXPECT_EQ(s["phase"].str(), "queued") << s.text();

  auto r = api().launch(third, game_body(kGame));
  ASSERT_TRUE(r) << api().error();
  if (r->status == 202) {
    const std::string id = json_of(r)["sessionId"].str();
    Json ended = api().wait_while_starting(third, id);
    EXPECT_EQ(ended["status"].str(), "error") << ended.text();
    EXPECT_EQ(ended["error"]["code"].str(), "no_servers") << ended.text();
    EXPECT_FALSE(ended["error"]["message"].str().empty()) << ended.text();
  } else {
    EXPECT_TRUE(is_refusal_with_retry(r, 503, "no_servers"));
    EXPECT_EQ(json_of(api().current(third))["active"].boolean(), false);
  }

  // Stopping the first frees its slot for the queued one.
  api().stop_ok(first, running);
  EXPECT_EQ(api().wait_while_starting(second, queued)["status"].str(), "running");
}

}  // namespace
}  // namespace ringside::itest

// The operator's fleet (SPEC: Operator API; docs/operator-api.md, "Servers"): the listing of
// the game servers, cordon and uncordon, drain with a grace, and the refusals (401, 403, 404,
// 400), through the public API of a ringside on the simulated backend with two servers.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

class OperatorServersTest : public SessionsTest {
 protected:
  ::testing::AssertionResult start_two(std::vector<std::string> flags = {}) {
    flags.insert(flags.begin(), {"--sim-servers", "2"});
    return start(flags);
  }

  std::optional<HttpResponse> servers(std::string_view key = kOperatorKey) {
    return api().send("GET", "/operator/servers", {}, key);
  }
  std::optional<HttpResponse> command(std::string_view server, std::string_view action,
                                      std::string_view body = {},
                                      std::string_view key = kOperatorKey) {
    return api().send(
        "POST", "/operator/servers/" + std::string(server) + "/" + std::string(action), body, key);
  }
  // The server's item in the listing.
  // The session's status once it reads "stopped", or the last one read after 5 s.
  Json status_once_stopped(const std::string& token, const std::string& id) {
    Json status;
    for (int waited = 0; waited < 5000; waited += 20) {
      status = json_of(api().status(token, id));
      if (status["status"].str() == "stopped") break;
      sleep_ms(20);
    }
    return status;
  }

  Json server_item(std::string_view name) {
    Json list = json_of(servers())["servers"];
    for (size_t i = 0; i < list.size(); ++i) {
      if (list.at(i)["name"].str() == name) return list.at(i);
    }
    ADD_FAILURE() << "no server " << name << " in " << list.text();
    return {};
  }
  // The simulated server a running session is on, read from its serverUrl
  // (https://gs01.sim.ringside.test/...).
  static std::string server_of(const Json& running) {
    const std::string url = running["serverUrl"].str();
    const size_t at = url.find("://");
    return at == std::string::npos ? "" : url.substr(at + 3, url.find('.', at) - at - 3);
  }
  // A player's session, running; its server in *server.
  std::string run(std::string_view player, std::string* token, std::string* server) {
    *token = api().token_for(player);
    const std::string id = api().launch_accepted(*token, game_body(kGame));
    Json running = api().wait_while_starting(*token, id);
    EXPECT_EQ(running["status"].str(), "running") << running.text();
    *server = server_of(running);
    return id;
  }
  std::optional<double> cordoned_metric(std::string_view server) {
    return metric_value(api().metrics()->body,
                        "ringside_game_server_cordoned{server=\"" + std::string(server) + "\"}");
  }
};

TEST_F(OperatorServersTest, ListsEveryServerWithItsCapacityReservationsAndImages) {
  ASSERT_TRUE(start_two());
  auto r = servers();
  ASSERT_TRUE(has_status(r, 200));
  Json list = json_of(r)["servers"];
  ASSERT_EQ(list.size(), 2u) << r->body;
  const std::vector<std::string> fields = {
      "name",          "backend",  "healthy",     "cordoned",       "slots",  "sessions",
      "cpuMillicores", "memoryMb", "cpuReserved", "memoryReserved", "images", "warm"};
  for (size_t i = 0; i < 2; ++i) {
    Json s = list.at(i);
    EXPECT_EQ(s.keys(), fields) << s.text();
    EXPECT_EQ(s["name"].str(), i == 0 ? "gs01" : "gs02");
    EXPECT_EQ(s["backend"].str(), "sim");
    EXPECT_EQ(s["healthy"].boolean(), true);
    EXPECT_EQ(s["cordoned"].boolean(), false);
    EXPECT_EQ(s["slots"].integer(), 64);
    EXPECT_EQ(s["sessions"].integer(), 0);
    EXPECT_EQ(s["cpuMillicores"].integer(), 64000);
    EXPECT_EQ(s["memoryMb"].integer(), 262144);
    EXPECT_EQ(s["cpuReserved"].integer(), 0);
    EXPECT_EQ(s["memoryReserved"].integer(), 0);
    EXPECT_EQ(s["warm"].integer(), 0);
    // --sim-cached-images all (the default): every image of the demo catalog is there.
    ASSERT_TRUE(s["images"].is_array());
    std::vector<std::string> images;
    for (size_t k = 0; k < s["images"].size(); ++k) images.push_back(s["images"].at(k).str());
    EXPECT_EQ(images, (std::vector<std::string>{"registry.local/games/garden-of-forking-paths:1.0",
                                                "registry.local/games/tlon-uqbar:1.0",
                                                "registry.local/games/library-of-babel:2.3"}));
  }

  std::string token, server;
  run("alice", &token, &server);
  Json item = server_item(server);
  EXPECT_EQ(item["sessions"].integer(), 1) << item.text();
  EXPECT_EQ(item["cpuReserved"].integer(), 500) << item.text();  // tlon-uqbar: 0.5 cores
  EXPECT_EQ(item["memoryReserved"].integer(), 512) << item.text();
}

TEST_F(OperatorServersTest, NeedTheOperatorKey) {
  ASSERT_TRUE(start_two());
  EXPECT_TRUE(is_error(servers(""), 401, "unauthorized"));
  EXPECT_TRUE(is_error(servers("wrong"), 403, "forbidden"));
  for (std::string_view action : {"cordon", "uncordon", "drain"}) {
    EXPECT_TRUE(is_error(command("gs01", action, {}, ""), 401, "unauthorized")) << action;
    EXPECT_TRUE(is_error(command("gs01", action, {}, "wrong"), 403, "forbidden")) << action;
  }
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);  // nothing was done
}

TEST_F(OperatorServersTest, UnknownServerIs404AndABadGraceIs400) {
  ASSERT_TRUE(start_two());
  for (std::string_view action : {"cordon", "uncordon", "drain"}) {
    EXPECT_TRUE(is_error(command("gs99", action), 404, "not_found")) << action;
  }
  for (std::string_view body :
       {R"({"graceSeconds": -1})", R"({"graceSeconds": 86401})", R"({"graceSeconds": "10"})",
        R"({"graceSeconds": 1.5})", R"({"graceSeconds": 1e30})",
        R"({"graceSeconds": 99999999999999999999999})", "not json", "[]"}) {
    EXPECT_TRUE(is_error(command("gs01", "drain", body), 400, "invalid_request")) << body;
  }
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);  // a refused drain cordons nothing
}

TEST_F(OperatorServersTest, CordonSendsNewLaunchesElsewhereAndUncordonTakesThemAgain) {
  ASSERT_TRUE(start_two());
  auto r = command("gs01", "cordon");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(json_of(r)["name"].str(), "gs01") << r->body;
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), true) << r->body;
  EXPECT_EQ(json_of(r)["healthy"].boolean(), true) << r->body;  // cordoned is not down
  EXPECT_EQ(cordoned_metric("gs01"), 1.0);
  EXPECT_EQ(cordoned_metric("gs02"), 0.0);

  std::string token, server;
  std::vector<std::string> tokens, ids;
  for (std::string_view player : {"p1", "p2", "p3"}) {
    ids.push_back(run(player, &token, &server));
    tokens.push_back(token);
    EXPECT_EQ(server, "gs02") << player;  // spreading alone would have used gs01 for some
  }
  r = command("gs01", "uncordon");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), false) << r->body;
  EXPECT_EQ(cordoned_metric("gs01"), 0.0);
  run("p4", &token, &server);
  EXPECT_EQ(server, "gs01");  // the emptier one, open again
  // What ran on gs02 through the cordon was never touched.
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(json_of(api().status(tokens[i], ids[i]))["status"].str(), "running");
  }
}

TEST_F(OperatorServersTest, LaunchesWaitQueuedWhileEveryServerIsCordoned) {
  ASSERT_TRUE(start({"--sim-servers", "1"}));
  ASSERT_TRUE(has_status(command("gs01", "cordon"), 200));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  sleep_ms(400);  // well past a pull and a start
  Json queued = json_of(api().status(token, id));
  EXPECT_EQ(queued["status"].str(), "starting") << queued.text();
  EXPECT_EQ(queued["phase"].str(), "queued") << queued.text();
  ASSERT_TRUE(has_status(command("gs01", "uncordon"), 200));
  Json running = api().wait_while_starting(token, id);
  EXPECT_EQ(running["status"].str(), "running") << running.text();
}

TEST_F(OperatorServersTest, DrainStopsTheServersSessionsAfterTheGraceAndKeepsItCordoned) {
  ASSERT_TRUE(start_two());
  // Two sessions on gs01 (gs02 cordoned meanwhile), one on gs02.
  ASSERT_TRUE(has_status(command("gs02", "cordon"), 200));
  std::string t1, t2, t3, server;
  const std::string s1 = run("p1", &t1, &server);
  ASSERT_EQ(server, "gs01");
  const std::string s2 = run("p2", &t2, &server);
  ASSERT_EQ(server, "gs01");
  ASSERT_TRUE(has_status(command("gs02", "uncordon"), 200));
  ASSERT_TRUE(has_status(command("gs01", "cordon"), 200));
  const std::string s3 = run("p3", &t3, &server);
  ASSERT_EQ(server, "gs02");
  ASSERT_TRUE(has_status(command("gs01", "uncordon"), 200));

  const auto asked = std::chrono::steady_clock::now();
  auto r = command("gs01", "drain", R"({"graceSeconds": 1})");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(json_of(r)["cordoned"].boolean(), true) << r->body;
  EXPECT_EQ(json_of(r)["sessions"].integer(), 2) << r->body;
  // Within the grace they run on.
  EXPECT_EQ(json_of(api().status(t1, s1))["status"].str(), "running");

  for (const auto& [token, id] : {std::pair{t1, s1}, std::pair{t2, s2}}) {
    const Json status = status_once_stopped(token, id);
    EXPECT_EQ(status["status"].str(), "stopped") << status.text();
    Json entry = json_of(api().history(token)).at(0);
    EXPECT_EQ(entry["sessionId"].str(), id) << entry.text();
    EXPECT_EQ(entry["endReason"].str(), "server_drained") << entry.text();
    // Stopped again by its player: answered as an ended stop, with its figures.
    Json again = api().stop_ok(token, id);
    EXPECT_EQ(again["status"].str(), "stopped") << again.text();
    EXPECT_TRUE(again["duration"].is_number()) << again.text();
  }
  EXPECT_GE(std::chrono::steady_clock::now() - asked, std::chrono::milliseconds(900));
  EXPECT_EQ(json_of(api().status(t3, s3))["status"].str(), "running");  // gs02's stays

  Json drained = server_item("gs01");
  EXPECT_EQ(drained["cordoned"].boolean(), true) << drained.text();
  EXPECT_EQ(drained["sessions"].integer(), 0) << drained.text();
  EXPECT_EQ(cordoned_metric("gs01"), 1.0);
  // Still cordoned: a new launch goes to gs02.
  std::string t4;
  run("p4", &t4, &server);
  EXPECT_EQ(server, "gs02");
}

// graceSeconds is required: a script that forgets the body must not stop every session on the
// server at once. 0, said, stops them at once.
TEST_F(OperatorServersTest, DrainNeedsGraceSecondsAndZeroSaidStopsAtOnce) {
  ASSERT_TRUE(start({"--sim-servers", "1"}));
  std::string token, server;
  const std::string id = run("alice", &token, &server);
  for (std::string_view body : {"", "{}", R"({"grace": 5})"}) {
    auto r = command("gs01", "drain", body);
    EXPECT_TRUE(is_error(r, 400, "invalid_request")) << "body '" << body << "'";
    EXPECT_NE(json_of(r)["message"].str().find("graceSeconds"), std::string::npos) << r->body;
  }
  EXPECT_EQ(server_item("gs01")["cordoned"].boolean(), false);  // nothing was done
  sleep_ms(200);
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "running");

  ASSERT_TRUE(has_status(command("gs01", "drain", R"({"graceSeconds": 0})"), 200));
  const Json status = status_once_stopped(token, id);
  EXPECT_EQ(status["status"].str(), "stopped") << status.text();
}

TEST_F(OperatorServersTest, UncordonBeforeTheGraceEndsCancelsTheDrain) {
  ASSERT_TRUE(start({"--sim-servers", "1"}));
  std::string token, server;
  const std::string id = run("alice", &token, &server);
  ASSERT_TRUE(has_status(command("gs01", "drain", R"({"graceSeconds": 1})"), 200));
  ASSERT_TRUE(has_status(command("gs01", "uncordon"), 200));
  sleep_ms(1500);
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "running");
}

}  // namespace
}  // namespace ringside::itest

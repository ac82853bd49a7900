// tools/gameye-standin as a user of it sees it: started as a process, spoken to over HTTP,
// answering as Gameye's documents say (see tools/gameye-standin/README.md), and misbehaving
// on request for the Gameye backend's tests.
#include <gtest/gtest.h>

#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "integration/api_json.h"
#include "integration/gameye_standin_process.h"
#include "integration/http_client.h"
#include "integration/http_expect.h"

namespace ringside::itest {
namespace {

constexpr std::string_view kToken = "standin-token";
constexpr std::string_view kId = "f7965a22-e327-4541-a30e-8262890d3a29";
constexpr std::string_view kOtherId = "0c2f0f3e-9d1b-4c55-8a0e-53c2b8a1e4d7";

std::string launch_body(std::string_view id, std::string_view image = "nginx",
                        std::string_view location = "europe",
                        std::string_view labels = R"({"game":"tlon-uqbar","mode":"duel"})") {
  return R"({"id":")" + std::string(id) + R"(","location":")" + std::string(location) +
         R"(","image":")" + std::string(image) +
         R"(","env":{"RINGSIDE_SESSION":"s1"},"args":["--max-players=8"],"restart":false,)" +
         R"("labels":)" + std::string(labels) + "}";
}

// A request id for the n-th launch of a sequence: a valid UUID.
std::string nth_id(int n) {
  std::string id = "00000000-0000-4000-8000-000000000000";
  const std::string digits = std::to_string(n);
  id.replace(id.size() - digits.size(), digits.size(), digits);
  return id;
}

HeaderList auth(std::string_view token = kToken) {
  return {{"Authorization", "Bearer " + std::string(token)}};
}

// A Gameye error body with that status and code.
::testing::AssertionResult is_gameye_error(const std::optional<HttpResponse>& r, int status,
                                           std::string_view code) {
  if (auto ok = has_status(r, status); !ok) return ok;
  const Json body = Json::parse(r->body);
  if (body["statusCode"].integer() != status || body["code"].str() != code ||
      body["message"].str().empty() || body["identifier"].str().empty() ||
      body["timestamp"].str().empty() || !body["path"].is_string()) {
    return ::testing::AssertionFailure() << "not a Gameye error " << status << " " << code << ":\n"
                                         << describe(*r);
  }
  return ::testing::AssertionSuccess();
}

class GameyeStandinTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) std::cerr << "---- stand-in log ----\n" << standin_.log();
  }

  ::testing::AssertionResult start(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args = {"--token",    std::string(kToken), "--images",
                                     "nginx,game", "--locations",       "europe,us-east"};
    args.insert(args.end(), extra.begin(), extra.end());
    ::testing::AssertionResult started = standin_.start(args);
    if (started && !client_.connect(standin_.port())) {
      return ::testing::AssertionFailure() << "cannot connect: " << client_.error();
    }
    return started;
  }

  std::optional<HttpResponse> call(std::string_view method, std::string_view target,
                                   std::string_view body = {}) {
    return client_.request(method, target, body, auth());
  }
  std::optional<HttpResponse> launch(std::string_view id) {
    return call("POST", "/session", launch_body(id));
  }

  Json stats() {
    HttpClient c;
    EXPECT_TRUE(c.connect(standin_.port()));
    std::optional<HttpResponse> r = c.request("GET", "/_standin/stats");
    EXPECT_TRUE(has_status(r, 200));
    return Json::parse(r ? r->body : "");
  }
  std::optional<int64_t> count(std::string_view endpoint, std::string_view outcome) {
    return stats()["requests"][endpoint][outcome].integer();
  }
  std::optional<int64_t> sessions(std::string_view which) {
    return stats()["sessions"][which].integer();
  }

  // GET /session?<query>: the sessions listed, or an absent Json.
  Json listed(std::string_view query = {}) {
    std::string target = "/session";
    if (!query.empty()) target.append("?").append(query);
    std::optional<HttpResponse> r = call("GET", target);
    EXPECT_TRUE(has_status(r, 200));
    return Json::parse(r ? r->body : "")["sessions"];
  }

  GameyeStandinProcess standin_;
  HttpClient client_;
};

TEST_F(GameyeStandinTest, RefusesRequestsWithoutTheBearerToken) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(
      is_gameye_error(client_.request("POST", "/session", launch_body(kId)), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(is_gameye_error(client_.request("POST", "/session", launch_body(kId), auth("nope")),
                              401, "UNAUTHORIZED"));
  EXPECT_TRUE(is_gameye_error(
      client_.request("GET", "/session", {}, {{"Authorization", "Basic " + std::string(kToken)}}),
      401, "UNAUTHORIZED"));
  EXPECT_TRUE(is_gameye_error(client_.request("DELETE", "/session/" + std::string(kId)), 401,
                              "UNAUTHORIZED"));
  // The scheme is case-insensitive, the token is not.
  EXPECT_TRUE(has_status(
      client_.request("GET", "/session", {}, {{"Authorization", "bearer " + std::string(kToken)}}),
      200));
  EXPECT_EQ(count("POST /session", "401"), 2);
  EXPECT_EQ(sessions("live"), 0);
}

TEST_F(GameyeStandinTest, LaunchAnswersTheHostAndPortsOfTheStartedSession) {
  ASSERT_TRUE(start());
  std::optional<HttpResponse> r = launch(kId);
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(media_type(*r), "application/json");
  const Json body = Json::parse(r->body);
  EXPECT_EQ(body["host"].str(), "127.0.0.1");
  ASSERT_EQ(body["ports"].size(), 1u) << r->body;
  const Json port = body["ports"].at(0);
  EXPECT_EQ(port["type"].str(), "tcp");
  EXPECT_EQ(port["container"].integer(), 80);
  EXPECT_GE(port["host"].integer().value_or(0), 20000);
  EXPECT_LE(port["host"].integer().value_or(0), 30000);
  EXPECT_EQ(count("POST /session", "200"), 1);
  EXPECT_EQ(sessions("running"), 1);
}

TEST_F(GameyeStandinTest, ListsRunningSessionsWithTheirLabelsAndFilters) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(has_status(launch(kId), 200));
  ASSERT_TRUE(has_status(
      call("POST", "/session", launch_body(kOtherId, "game", "us-east", R"({"mode":"solo"})")),
      200));

  const Json all = listed();
  ASSERT_EQ(all.size(), 2u) << all.text();
  const Json first = all.at(0);
  EXPECT_EQ(first["id"].str(), kId);
  EXPECT_EQ(first["image"].str(), "nginx");
  EXPECT_EQ(first["tag"].str(), "latest");
  EXPECT_EQ(first["location"].str(), "europe");
  EXPECT_EQ(first["status"].str(), "running");
  // Labels as in Gameye's own examples: JSON text under "tags" (the launch's labels) and "env"
  // (the container's environment).
  const Json tags = Json::parse(first["labels"]["tags"].str());
  EXPECT_EQ(tags["game"].str(), "tlon-uqbar") << first.text();
  EXPECT_EQ(tags["mode"].str(), "duel");
  const Json env = Json::parse(first["labels"]["env"].str());
  EXPECT_EQ(env["RINGSIDE_SESSION"].str(), "s1") << first.text();
  EXPECT_EQ(env["GAMEYE_SESSION_ID"].str(), kId);
  EXPECT_EQ(env["GAMEYE_HOST"].str(), "127.0.0.1");
  EXPECT_TRUE(first["port"]["80/tcp"].is_number()) << first.text();
  EXPECT_TRUE(first["created"].is_number()) << first.text();

  // filter[label]=value, with the brackets sent as they are or percent-encoded.
  const Json duel = listed("filter[mode]=duel");
  ASSERT_EQ(duel.size(), 1u) << duel.text();
  EXPECT_EQ(duel.at(0)["id"].str(), kId);
  const Json solo = listed("filter%5Bmode%5D=solo");
  ASSERT_EQ(solo.size(), 1u) << solo.text();
  EXPECT_EQ(solo.at(0)["id"].str(), kOtherId);
  EXPECT_EQ(listed("filter[mode]=duel&filter[game]=other").size(), 0u);
  EXPECT_EQ(listed("location=us-east").at(0)["id"].str(), kOtherId);
  EXPECT_EQ(listed("image=nginx").size(), 1u);

  std::optional<HttpResponse> one = call("GET", "/session/" + std::string(kOtherId));
  ASSERT_TRUE(has_status(one, 200));
  EXPECT_EQ(Json::parse(Json::parse(one->body)["labels"]["tags"].str())["mode"].str(), "solo");
  EXPECT_TRUE(is_gameye_error(call("GET", "/session/" + nth_id(9)), 404, "RESOURCE_NOT_FOUND"));
}

TEST_F(GameyeStandinTest, FlatLabelShapeShowsTheLabelsAsSent) {
  ASSERT_TRUE(start({"--label-shape", "flat"}));
  ASSERT_TRUE(has_status(launch(kId), 200));
  const Json all = listed("filter[mode]=duel");
  ASSERT_EQ(all.size(), 1u) << all.text();
  EXPECT_EQ(all.at(0)["labels"]["game"].str(), "tlon-uqbar") << all.text();
  EXPECT_EQ(all.at(0)["labels"]["mode"].str(), "duel");
  EXPECT_FALSE(all.at(0)["labels"]["tags"].exists());
  std::optional<HttpResponse> one = call("GET", "/session/" + std::string(kId));
  ASSERT_TRUE(has_status(one, 200));
  EXPECT_EQ(Json::parse(one->body)["labels"]["mode"].str(), "duel");
}

TEST_F(GameyeStandinTest, RefusesAnIdUsedBefore) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(has_status(launch(kId), 200));
  EXPECT_TRUE(is_gameye_error(launch(kId), 409, "CONFLICT"));
  ASSERT_TRUE(has_status(call("DELETE", "/session/" + std::string(kId)), 204));
  EXPECT_TRUE(is_gameye_error(launch(kId), 409, "CONFLICT"));  // stopped ids stay taken
  EXPECT_EQ(count("POST /session", "200"), 1);
  EXPECT_EQ(count("POST /session", "409"), 2);
}

TEST_F(GameyeStandinTest, RefusesMalformedBodiesNamingTheField) {
  ASSERT_TRUE(start());
  const std::string valid = launch_body(kId);
  auto replaced = [&](std::string_view from, std::string_view to) {
    std::string body = valid;
    body.replace(body.find(from), from.size(), to);
    return body;
  };
  struct Case {
    std::string body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"not json", "body"},
      {"[1, 2]", "body"},
      {replaced(R"("id":")" + std::string(kId) + R"(",)", ""), "id"},
      {replaced(std::string(kId), "not-a-uuid"), "id"},
      {replaced(R"("image":"nginx")", R"("image":"")"), "image"},
      {replaced(R"("restart":false)", R"("restart":"false")"), "restart"},
      {replaced(R"("restart":false,)", ""), "restart"},
      {replaced(R"("env":{"RINGSIDE_SESSION":"s1"})", R"("env":["a"])"), "env"},
      {replaced(R"("env":{"RINGSIDE_SESSION":"s1"})", R"("env":{"N":8})"), "env"},
      {replaced(R"(["--max-players=8"])", R"(["--max-players=8", 8])"), "args"},
      {replaced(R"(["--max-players=8"])", R"("--max-players=8")"), "args"},
      {replaced(R"("mode":"duel")", R"("mode":1)"), "labels"},
      {replaced(R"("restart":false)", R"("restart":false,"enable_metrics":true)"),
       "enable_metrics"},
      // Seed 002 lists enableMetrics (typed string); SessionRun 1.2.1 does not, and it allows
      // no additional properties: refused in either type.
      {replaced(R"("restart":false)", R"("restart":false,"enableMetrics":true)"), "enableMetrics"},
      {replaced(R"("restart":false)", R"("restart":false,"enableMetrics":"true")"),
       "enableMetrics"},
      // SessionRun: env values and args items have minLength 1.
      {replaced(R"({"RINGSIDE_SESSION":"s1"})", R"({"RINGSIDE_SESSION":""})"), "env"},
      {replaced(R"(["--max-players=8"])", R"(["--max-players=8", ""])"), "args"},
  };
  for (const Case& c : cases) {
    std::optional<HttpResponse> r = call("POST", "/session", c.body);
    ASSERT_TRUE(is_gameye_error(r, 422, "INVALID_REQUEST")) << c.body;
    const Json violations = Json::parse(r->body)["violations"];
    bool named = false;
    for (size_t i = 0; i < violations.size(); ++i) {
      named = named || violations.at(i)["field"].str() == c.field;
    }
    EXPECT_TRUE(named) << c.body << "\n" << r->body;
  }
  // The optional fields Gameye documents are taken.
  EXPECT_TRUE(has_status(
      call("POST", "/session",
           replaced(R"("restart":false)", R"("restart":false,"version":"v2","ttl":"1h")")),
      200));
  EXPECT_EQ(listed().at(0)["tag"].str(), "v2");
  EXPECT_EQ(sessions("live"), 1);
}

TEST_F(GameyeStandinTest, UnknownImageOrLocationIsNotFound) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(is_gameye_error(call("POST", "/session", launch_body(kId, "no-such-image")), 404,
                              "NOT_FOUND"));
  EXPECT_TRUE(is_gameye_error(call("POST", "/session", launch_body(kId, "nginx", "mars")), 404,
                              "NOT_FOUND"));
  EXPECT_EQ(sessions("live"), 0);
  EXPECT_TRUE(has_status(launch(kId), 200));  // a refused launch does not take its id
}

TEST_F(GameyeStandinTest, DeleteStopsARunningSessionOnce) {
  ASSERT_TRUE(start());
  ASSERT_TRUE(has_status(launch(kId), 200));
  const std::string path = "/session/" + std::string(kId);
  std::optional<HttpResponse> stopped = call("DELETE", path);
  ASSERT_TRUE(has_status(stopped, 204));
  EXPECT_TRUE(stopped->body.empty());
  EXPECT_EQ(listed().size(), 0u);
  EXPECT_EQ(listed("all=true").at(0)["status"].str(), "exited");
  EXPECT_TRUE(is_gameye_error(call("DELETE", path), 409, "CONFLICT"));
  EXPECT_TRUE(is_gameye_error(call("DELETE", "/session/" + std::string(kOtherId)), 404,
                              "RESOURCE_NOT_FOUND"));
  EXPECT_EQ(count("DELETE /session/{id}", "204"), 1);
  EXPECT_EQ(sessions("live"), 0);
}

TEST_F(GameyeStandinTest, LaunchIsAnsweredOnceTheStartDelayHasPassed) {
  ASSERT_TRUE(start({"--start-delay-ms", "100"}));
  std::optional<HttpResponse> r = launch(kId);
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(Json::parse(r->body)["id"].str(), kId);
  EXPECT_EQ(sessions("running"), 1);
}

TEST_F(GameyeStandinTest, SessionIsStartingDuringTheDelayAndDeleteCancelsIt) {
  // A delay no test waits out: the DELETE ends the start early.
  ASSERT_TRUE(start({"--start-delay-ms", "60000"}));
  ASSERT_TRUE(client_.send_raw(make_request("POST", "/session", launch_body(kId), auth())));

  HttpClient other;
  ASSERT_TRUE(other.connect(standin_.port()));
  auto other_call = [&](std::string_view method, std::string_view target, std::string_view body) {
    return other.request(method, target, body, auth());
  };
  // The id is taken from arrival on; the session is listed only with all=true, as "created".
  EXPECT_TRUE(is_gameye_error(other_call("POST", "/session", launch_body(kId)), 409, "CONFLICT"));
  std::optional<HttpResponse> all = other_call("GET", "/session?all=true", {});
  ASSERT_TRUE(has_status(all, 200));
  EXPECT_EQ(Json::parse(all->body)["sessions"].at(0)["status"].str(), "created");
  EXPECT_EQ(Json::parse(other_call("GET", "/session", {})->body)["sessions"].size(), 0u);
  EXPECT_EQ(sessions("starting"), 1);

  EXPECT_TRUE(has_status(other_call("DELETE", "/session/" + std::string(kId), {}), 204));
  EXPECT_TRUE(is_gameye_error(client_.read_response(), 420, "CAPACITY_UNAVAILABLE"));
  EXPECT_EQ(sessions("live"), 0);
  EXPECT_EQ(count("POST /session", "420"), 1);
}

TEST_F(GameyeStandinTest, FullLocationFailsEveryStartThereOnly) {
  ASSERT_TRUE(start({"--full-locations", "europe"}));
  EXPECT_TRUE(is_gameye_error(launch(kId), 420, "CAPACITY_UNAVAILABLE"));
  EXPECT_TRUE(is_gameye_error(launch(kId), 409, "CONFLICT"));  // the failed id stays taken
  EXPECT_TRUE(has_status(call("POST", "/session", launch_body(kOtherId, "nginx", "us-east")), 200));
  EXPECT_EQ(sessions("failed"), 1);
  EXPECT_EQ(sessions("running"), 1);
}

TEST_F(GameyeStandinTest, FailureRateOneFailsEveryStart) {
  ASSERT_TRUE(start({"--failure-rate", "1"}));
  EXPECT_TRUE(is_gameye_error(launch(kId), 420, "CAPACITY_UNAVAILABLE"));
  EXPECT_TRUE(is_gameye_error(launch(kOtherId), 420, "CAPACITY_UNAVAILABLE"));
  EXPECT_EQ(sessions("failed"), 2);
  EXPECT_EQ(sessions("live"), 0);
  EXPECT_EQ(listed().size(), 0u);
  EXPECT_EQ(listed("all=true").at(0)["status"].str(), "dead");
  // A failed launch's id stays taken: a retry needs a new one.
  EXPECT_TRUE(is_gameye_error(launch(kId), 409, "CONFLICT"));
}

TEST_F(GameyeStandinTest, HungLaunchIsNeverAnsweredButItsSessionRuns) {
  ASSERT_TRUE(start({"--hang-rate", "1"}));
  ASSERT_TRUE(client_.send_raw(make_request("POST", "/session", launch_body(kId), auth())));
  EXPECT_FALSE(client_.read_response(300));
  EXPECT_FALSE(client_.closed_by_peer(0));
  EXPECT_EQ(count("POST /session", "hung"), 1);

  // A client that timed out and retries with the same id finds it taken: one session.
  HttpClient retry;
  ASSERT_TRUE(retry.connect(standin_.port()));
  EXPECT_TRUE(is_gameye_error(retry.request("POST", "/session", launch_body(kId), auth()), 409,
                              "CONFLICT"));
  EXPECT_EQ(sessions("live"), 1);
  std::optional<HttpResponse> running = retry.request("GET", "/session", {}, auth());
  ASSERT_TRUE(has_status(running, 200));
  EXPECT_EQ(Json::parse(running->body)["sessions"].at(0)["id"].str(), kId);

  // Cleaning up after the timeout works as for any running session.
  EXPECT_TRUE(has_status(retry.request("DELETE", "/session/" + std::string(kId), {}, auth()), 204));
  EXPECT_EQ(sessions("live"), 0);
}

TEST_F(GameyeStandinTest, TheSeedFixesWhichLaunchesFail) {
  // The statuses of twelve launches, e.g. "200 420 200 ...".
  auto outcomes = [](HttpClient& client) {
    std::string seen;
    for (int n = 1; n <= 12; ++n) {
      std::optional<HttpResponse> r =
          client.request("POST", "/session", launch_body(nth_id(n)), auth());
      seen += r ? std::to_string(r->status) + " " : "none ";
    }
    return seen;
  };
  ASSERT_TRUE(start({"--failure-rate", "0.5", "--seed", "7"}));
  const std::string first = outcomes(client_);
  EXPECT_NE(first.find("200"), std::string::npos) << first;
  EXPECT_NE(first.find("420"), std::string::npos) << first;

  GameyeStandinProcess again;
  ASSERT_TRUE(
      again.start({"--token", std::string(kToken), "--failure-rate", "0.5", "--seed", "7"}));
  HttpClient again_client;
  ASSERT_TRUE(again_client.connect(again.port()));
  EXPECT_EQ(outcomes(again_client), first);
}

TEST_F(GameyeStandinTest, FirstLaunchesMisbehaveAsToldAndLaunchesAreCountedById) {
  ASSERT_TRUE(start({"--unavailable-first", "1", "--fail-first", "1", "--hang-first", "1"}));
  // 503 first, without taking the id; then the first accepted launch both fails and hangs.
  EXPECT_TRUE(is_gameye_error(launch(kId), 503, "SERVICE_UNAVAILABLE"));
  ASSERT_TRUE(client_.send_raw(make_request("POST", "/session", launch_body(kId), auth())));
  EXPECT_FALSE(client_.read_response(300));
  HttpClient other;
  ASSERT_TRUE(other.connect(standin_.port()));
  EXPECT_TRUE(has_status(other.request("POST", "/session", launch_body(kOtherId), auth()), 200));
  EXPECT_EQ(count("POST /session", "503"), 1);
  EXPECT_EQ(count("POST /session", "hung"), 1);
  EXPECT_EQ(sessions("failed"), 1);
  EXPECT_EQ(sessions("running"), 1);
  EXPECT_EQ(stats()["launchesById"][kId].integer(), 2);
  EXPECT_EQ(stats()["launchesById"][kOtherId].integer(), 1);
}

TEST_F(GameyeStandinTest, UnknownPathsAndMethodsAreRefused) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(is_gameye_error(call("GET", "/sessions"), 404, "RESOURCE_NOT_FOUND"));
  std::optional<HttpResponse> put = call("PUT", "/session", launch_body(kId));
  ASSERT_TRUE(is_gameye_error(put, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(put->header("Allow"), "POST, GET");
  EXPECT_EQ(count("other", "404"), 1);
  EXPECT_EQ(count("other", "405"), 1);
}

}  // namespace
}  // namespace ringside::itest

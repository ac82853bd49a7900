// ringside with --backend gameye against the Gameye stand-in, both as processes: a launch
// runs and stops through the public API, a wrong token ends launches in backend_unavailable,
// a session whose container dies at Gameye ends in container_lost (the liveness check), and
// the token never shows in ringside's log, its standard output or /metrics.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/gameye_standin_process.h"
#include "integration/http_client.h"
#include "integration/server_test.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

constexpr std::string_view kToken = "gy-secret-7f3c9a1e5b";

// ringside_backend_requests_total{backend="gameye",result=...}, as /metrics says now.
std::optional<double> gameye_calls(ApiClient& api, std::string_view result) {
  std::optional<HttpResponse> metrics = api.metrics();
  if (!metrics) return std::nullopt;
  return metric_value(
      metrics->body,
      "ringside_backend_requests_total{backend=\"gameye\",result=\"" + std::string(result) + "\"}");
}

class GameyeBackendProcessTest : public ServerTest {
 protected:
  void SetUp() override {
    token_file_ = (std::filesystem::temp_directory_path() /
                   ("gameye-token-" + std::to_string(::getpid()) + ".txt"))
                      .string();
  }
  void TearDown() override {
    ServerTest::TearDown();
    if (HasFailure()) std::cerr << "---- stand-in log ----\n" << standin_.log();
    std::filesystem::remove(token_file_);
  }

  // The stand-in knows kToken (and takes `standin_extra`); ringside is given `token` through a
  // file.
  ::testing::AssertionResult start(std::string_view token, std::vector<std::string> extra = {},
                                   std::vector<std::string> standin_extra = {}) {
    std::vector<std::string> standin_args = {"--token", std::string(kToken)};
    standin_args.insert(standin_args.end(), standin_extra.begin(), standin_extra.end());
    if (auto ok = standin_.start(standin_args); !ok) return ok;
    std::ofstream(token_file_) << token << "\n";
    std::vector<std::string> args = {"--shards",
                                     "1",
                                     "--backend",
                                     "gameye",
                                     "--operator-key",
                                     std::string(kOperatorKey),
                                     "--gameye-url",
                                     standin_.base_url(),
                                     "--gameye-token-file",
                                     token_file_,
                                     "--gameye-locations",
                                     "europe",
                                     "--gameye-retries",
                                     "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto started = server_.start(args);
    if (started) api_ = std::make_unique<ApiClient>(port());
    return started;
  }

  // Whether the token shows anywhere ringside wrote or serves.
  ::testing::AssertionResult token_hidden() {
    std::optional<HttpResponse> metrics = api_->metrics();
    const std::string everything =
        server_.log() + server_.standard_output() + (metrics ? metrics->body : std::string());
    if (everything.find(kToken) != std::string::npos) {
      return ::testing::AssertionFailure() << "the Gameye token appears in:\n" << everything;
    }
    return ::testing::AssertionSuccess();
  }

  // The id Gameye lists for ringside's session `session` (by the label ringside put on it),
  // or "" when the stand-in lists none.
  std::string gameye_session_of(const std::string& session) {
    HttpClient gameye;
    if (!gameye.connect(standin_.port())) return "";
    const std::optional<HttpResponse> listed =
        gameye.request("GET", "/session?filter%5Bringside.session%5D=" + session, {},
                       {{"Authorization", "Bearer " + std::string(kToken)}});
    if (!listed) return "";
    const Json sessions = Json::parse(listed->body)["sessions"];
    return sessions.size() == 0 ? "" : sessions.at(0)["id"].str();
  }

  GameyeStandinProcess standin_;
  std::unique_ptr<ApiClient> api_;
  std::string token_file_;
};

TEST_F(GameyeBackendProcessTest, LaunchRunsAtGameyeAndTheTokenIsNeverPrinted) {
  ASSERT_TRUE(start(kToken));
  const std::string token = api_->token_for("player-1", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api_->launch_running(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  EXPECT_NE(server_.log().find("event=gameye_session_running"), std::string::npos);
  // The session's own address, from the host and port Gameye answered with.
  const Json status = json_of(api_->status(token, session));
  const std::string server_url = status["serverUrl"].str();
  EXPECT_TRUE(server_url.starts_with("http://127.0.0.1:")) << status.text();
  EXPECT_EQ(status["containerUrl"].str(), server_url + "/session/" + session + "/");
  EXPECT_TRUE(api_->stop_ok(token, session).exists());
  // Launch, describe and delete were Gameye calls answered below 500; Docker made none.
  EXPECT_GE(gameye_calls(*api_, "ok").value_or(0), 2.0);
  EXPECT_EQ(gameye_calls(*api_, "error"), 0.0);
  EXPECT_EQ(metric_value(api_->metrics()->body,
                         "ringside_backend_requests_total{backend=\"docker\",result=\"ok\"}"),
            0.0);
  EXPECT_TRUE(token_hidden());
}

// The operator's view of a session names its Gameye session (docs/operator-api.md): the id
// Gameye lists for it, asked of the backend on the I/O core; none once it ended.
TEST_F(GameyeBackendProcessTest, OperatorViewNamesTheGameyeSession) {
  ASSERT_TRUE(start(kToken));
  const std::string token = api_->token_for("player-1", kGame);
  const std::string session = api_->launch_running(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  const std::string id = gameye_session_of(session);
  ASSERT_FALSE(id.empty());
  const Json view = json_of(api_->send("GET", "/operator/sessions/" + session, "", kOperatorKey));
  EXPECT_EQ(view["backendId"].str(), id) << view.text();
  EXPECT_EQ(view["server"].str(), "europe") << view.text();
  EXPECT_TRUE(api_->stop_ok(token, session).exists());
  const Json ended = json_of(api_->send("GET", "/operator/sessions/" + session, "", kOperatorKey));
  EXPECT_TRUE(ended["backendId"].is_null()) << ended.text();
}

TEST_F(GameyeBackendProcessTest, WrongTokenEndsTheLaunchInBackendUnavailable) {
  ASSERT_TRUE(start("not-the-token"));
  const std::string token = api_->token_for("player-1", kGame);
  const std::string session = api_->launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  const Json ended = api_->wait_while_starting(token, session);
  EXPECT_EQ(ended["status"].str(), "error") << ended.text();
  EXPECT_EQ(ended["error"]["code"].str(), "backend_unavailable") << ended.text();
  EXPECT_NE(server_.log().find("event=gameye_unauthorized"), std::string::npos);
  EXPECT_EQ(server_.log().find("not-the-token"), std::string::npos) << server_.log();
  // The only location is down: not ready, and /metrics says which.
  std::optional<HttpResponse> ready = api_->send("GET", "/readyz", "", "");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503) << ready->body;
  EXPECT_NE(ready->body.find("no game server is up"), std::string::npos) << ready->body;
  EXPECT_EQ(metric_value(api_->metrics()->body, "ringside_game_server_up{server=\"europe\"}"), 0.0);
  EXPECT_TRUE(token_hidden());
}

TEST_F(GameyeBackendProcessTest, ContainerThatDiesEndsTheSessionInContainerLost) {
  ASSERT_TRUE(start(kToken, {"--gameye-liveness-interval", "1"}));
  const std::string token = api_->token_for("player-1", kGame);
  const std::string session = api_->launch_running(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  // Its Gameye session, by the label ringside put on it; its container dies.
  const std::string id = gameye_session_of(session);
  ASSERT_FALSE(id.empty());
  HttpClient gameye;
  ASSERT_TRUE(gameye.connect(standin_.port()));
  const std::optional<HttpResponse> killed =
      gameye.request("POST", "/_standin/session/" + id + "/dead");
  ASSERT_TRUE(killed);
  ASSERT_EQ(killed->status, 204) << killed->body;
  // The next check (within a second) ends it; the player sees why and may launch again.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  Json now;
  do {
    now = json_of(api_->status(token, session));
    if (now["status"].str() != "running") break;
    usleep(50'000);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(now["status"].str(), "error") << now.text();
  EXPECT_EQ(now["error"]["code"].str(), "container_lost") << now.text();
  EXPECT_NE(server_.log().find("event=gameye_session_lost"), std::string::npos);
  EXPECT_FALSE(api_->launch_running(token, game_body(kGame)).empty());
  EXPECT_TRUE(token_hidden());
}

// Gameye fails the DELETEs for a while: the player's stop is answered (stopped), and the
// DELETE is owed where the operator sees it (/metrics, the log) until Gameye takes it.
TEST_F(GameyeBackendProcessTest, AFailingDeleteIsOwedInMetricsUntilGameyeConfirms) {
  // ringside's stop: a DELETE and one retry (--gameye-retries 1), both refused; the first
  // resend too; the next one goes through.
  ASSERT_TRUE(
      start(kToken, {"--gameye-liveness-interval", "1"}, {"--delete-unavailable-first", "3"}));
  const std::string token = api_->token_for("player-1", kGame);
  const std::string session = api_->launch_running(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  const Json stopped = api_->stop_ok(token, session);
  EXPECT_EQ(stopped["status"].str(), "stopped") << stopped.text();
  EXPECT_EQ(metric_value(api_->metrics()->body, "ringside_gameye_deletes_owed"), 1.0);
  // The refused DELETE and its retry are backend errors.
  EXPECT_GE(gameye_calls(*api_, "error").value_or(0), 2.0);
  EXPECT_NE(server_.log().find("event=gameye_delete_owed"), std::string::npos);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<double> owed;
  do {
    owed = metric_value(api_->metrics()->body, "ringside_gameye_deletes_owed");
    if (owed == 0.0) break;
    usleep(100'000);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(owed, 0.0);
  EXPECT_NE(server_.log().find("event=gameye_delete_settled"), std::string::npos);
  EXPECT_TRUE(token_hidden());
}

TEST_F(GameyeBackendProcessTest, GameyeNeedsAToken) {
  const CompletedRun run = run_server_binary({"--backend", "gameye"});
  EXPECT_NE(run.exit_status, 0);
  EXPECT_NE(run.output.find("--gameye-token-file"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace ringside::itest

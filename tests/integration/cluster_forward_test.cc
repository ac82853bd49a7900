// Forwarding between nodes (docs/cluster.md): two real ringside processes, node A told by
// --static-routes that node B serves every partition. A player's requests through A answer as
// they do through B; pipelined requests through A answer in order; with B gone A answers 503
// with Retry-After, and once B is back A reaches it again without a restart.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <csignal>
#include <string>
#include <vector>

#include "api/routes.h"
#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/server_process.h"
#include "integration/sessions_fixture.h"
#include "model/cluster_key.h"
#include "model/ids.h"
#include "model/messages.h"
#include "store/token_secret_file.h"

namespace ringside::itest {
namespace {

class ClusterForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = ::testing::TempDir() + "ringside-cluster-XXXXXX";
    ASSERT_NE(mkdtemp(dir.data()), nullptr);
    secret_file_ = dir + "/token.secret";
    ASSERT_TRUE(start_node(b_, {}));
    ASSERT_TRUE(
        start_node(a_, {"--static-routes", "0-1023=127.0.0.1:" + std::to_string(b_.port())}));
  }

  std::vector<std::string> flags(const std::vector<std::string>& extra) const {
    std::vector<std::string> f = {"--shards",
                                  "2",
                                  "--backend",
                                  "sim",
                                  "--operator-key",
                                  std::string(kOperatorKey),
                                  "--sim-pull-ms",
                                  "200",
                                  "--sim-start-ms",
                                  "100",
                                  "--token-secret-file",
                                  secret_file_};
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }

  static ::testing::AssertionResult wait_listening(ServerProcess& node) {
    for (int waited_ms = 0; node.log().find("event=listening") == std::string::npos;
         waited_ms += 5) {
      if (waited_ms >= 5000) {
        return ::testing::AssertionFailure() << "no 'listening' log line:\n" << node.log();
      }
      sleep_ms(5);
    }
    return ::testing::AssertionSuccess();
  }

  ::testing::AssertionResult start_node(ServerProcess& node,
                                        const std::vector<std::string>& extra) {
    ::testing::AssertionResult started = node.start(flags(extra));
    return started ? wait_listening(node) : started;
  }

  std::string secret_file_;
  ServerProcess b_;  // serves every partition
  ServerProcess a_;  // forwards every player request to b_
};

TEST_F(ClusterForwardTest, PlayerRequestsThroughEitherNodeAnswerTheSame) {
  ApiClient via_a(a_.port());
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("alice");  // minted on B
  ASSERT_FALSE(token.empty());
  // Launched through A: B runs it.
  const std::string id = via_a.launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  std::optional<HttpResponse> sa = via_a.status(token, id);
  std::optional<HttpResponse> sb = via_b.status(token, id);
  ASSERT_TRUE(has_status(sa, 200));
  ASSERT_TRUE(has_status(sb, 200));
  EXPECT_EQ(sa->body, sb->body);
  EXPECT_EQ(sa->header("Content-Type"), "application/json");
  EXPECT_EQ(via_a.sessions(token)->body, via_b.sessions(token)->body);
  // Errors come back as B gave them.
  EXPECT_TRUE(is_error(via_a.status(token, "nope"), 404, "not_found"));
  EXPECT_TRUE(is_error(via_a.sessions("t" + std::string(28, 'a')), 401, "unauthorized"));

  // An operator launch through A mints on B: the token works on B.
  const std::string bob = via_a.token_for("bob");
  ASSERT_FALSE(bob.empty());
  EXPECT_TRUE(has_status(via_b.sessions(bob), 200));

  std::optional<double> forwarded =
      metric_value(via_a.metrics()->body, "ringside_node_forwarded_requests_total");
  ASSERT_TRUE(forwarded.has_value());
  EXPECT_GE(*forwarded, 6);
}

TEST_F(ClusterForwardTest, PipelinedRequestsThroughTheOriginAnswerInOrder) {
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("carol");
  const std::string id = via_b.launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  const HeaderList auth = {{"Authorization", "Bearer " + token}};
  HttpClient c;
  ASSERT_TRUE(c.connect(a_.port()));
  std::string batch;
  for (int round = 0; round < 5; ++round) {
    batch += make_request("GET", "/api/game/sessions", {}, auth);
    batch += make_request("GET", "/api/games/" + std::string(kGame), {}, auth);
    batch += make_request("GET", "/api/game/session-status?sessionId=nope", {}, auth);
    batch += make_request("GET", "/api/game/session-status?sessionId=" + id, {}, auth);
  }
  ASSERT_TRUE(c.send_raw(batch));
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::optional<HttpResponse> list = c.read_response();
    ASSERT_TRUE(has_status(list, 200));
    EXPECT_NE(list->body.find(id), std::string::npos) << list->body;
    std::optional<HttpResponse> game = c.read_response();
    ASSERT_TRUE(has_status(game, 200));
    EXPECT_EQ(Json::parse(game->body)["slug"].str(), kGame) << game->body;
    EXPECT_TRUE(is_error(c.read_response(), 404, "not_found"));
    std::optional<HttpResponse> status = c.read_response();
    ASSERT_TRUE(has_status(status, 200));
    EXPECT_EQ(Json::parse(status->body)["sessionId"].str(), id) << status->body;
  }
}

TEST_F(ClusterForwardTest, OwnerDownAnswers503ThenServesAgainWithoutRestartingOrigin) {
  ApiClient via_a(a_.port());
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("dave");
  ASSERT_TRUE(has_status(via_a.sessions(token), 200));

  b_.send_signal(SIGKILL);
  b_.wait_for_exit();
  for (int i = 0; i < 3; ++i) {
    std::optional<HttpResponse> r = via_a.sessions(token);
    EXPECT_TRUE(is_error(r, 503, "unavailable"));
    if (r) {
      EXPECT_EQ(r->header("Retry-After"), "1");
    }
  }

  ASSERT_TRUE(b_.restart(flags({})));
  ASSERT_TRUE(wait_listening(b_));
  // B kept its state in memory only: a new token, minted on the B that came back.
  ApiClient via_new_b(b_.port());
  const std::string again = via_new_b.token_for("dave");
  ASSERT_FALSE(again.empty());
  int status = 0;
  for (int waited_ms = 0; waited_ms < 8000 && status != 200; waited_ms += 100) {
    std::optional<HttpResponse> r = via_a.sessions(again);
    status = r ? r->status : 0;
    if (status != 200) sleep_ms(100);
  }
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(a_.running());
}

TEST_F(ClusterForwardTest, ForwardRouteNeedsTheClusterKeyAndAWellFormedRequest) {
  HttpClient c;
  ASSERT_TRUE(c.connect(b_.port()));
  EXPECT_TRUE(is_error(c.request("POST", "/_ringside/forward", "x"), 401, "unauthorized"));
  EXPECT_TRUE(is_error(c.request("POST", "/_ringside/forward", "x",
                                 {{"Authorization", "Bearer " + std::string(64, '0')}}),
                       403, "forbidden"));
  // The operator key is not the cluster key.
  EXPECT_TRUE(is_error(c.request("POST", "/_ringside/forward", "x",
                                 {{"Authorization", "Bearer " + std::string(kOperatorKey)}}),
                       403, "forbidden"));
  TokenMinter::Secret secret;
  std::string error;
  ASSERT_TRUE(load_or_create_secret(secret_file_, &secret, &error)) << error;
  const HeaderList key = {{"Authorization", "Bearer " + cluster_forward_key(secret)}};
  EXPECT_TRUE(is_error(c.request("POST", "/_ringside/forward", "x", key), 400, "invalid_request"));
  // A node told another serves a partition does not forward a forwarded request again.
  HttpClient to_a;
  ASSERT_TRUE(to_a.connect(a_.port()));
  // Partition 0: served by B, not A.
  const std::string token = id_to_string(IdKind::kToken, IdOwner::partition(0), random_id128());
  ForwardRequest m;
  m.route = kRouteSessions;
  m.token = token;
  std::string body(m.encoded_size(), '\0');
  m.encode(body.data());
  std::optional<HttpResponse> r = to_a.request("POST", "/_ringside/forward", body, key);
  EXPECT_TRUE(is_error(r, 503, "unavailable"));
  if (r) {
    EXPECT_EQ(r->header("Retry-After"), "1");
  }
}

}  // namespace
}  // namespace ringside::itest

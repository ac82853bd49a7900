// Forwarding between nodes (docs/cluster.md): two real ringside processes, node A told by
// --static-routes that node B serves every partition. A player's requests through A answer as
// they do through B; pipelined requests through A answer in order; with B gone A answers 503
// with Retry-After, and once B is back A reaches it again without a restart.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
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

  std::vector<std::string> flags(const std::vector<std::string>& extra,
                                 const std::string& shards = "2") const {
    std::vector<std::string> f = {"--shards",
                                  shards,
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

  ::testing::AssertionResult restart_node(ServerProcess& node,
                                          const std::vector<std::string>& extra,
                                          const std::string& shards = "2") {
    node.send_signal(SIGKILL);
    node.wait_for_exit();
    ::testing::AssertionResult started = node.restart(flags(extra, shards));
    return started ? wait_listening(node) : started;
  }

  std::vector<std::string> a_routes() const {
    return {"--static-routes", "0-1023=127.0.0.1:" + std::to_string(b_.port())};
  }

  // A token that names partition 0 (served by B) and that nobody minted.
  static std::string made_up_token() {
    return id_to_string(IdKind::kToken, IdOwner::partition(0), random_id128());
  }

  std::string secret_file_;
  ServerProcess b_;  // serves every partition
  ServerProcess a_;  // forwards every player request to b_
};

// The operator's routes about one session go where the session lives, as a player's do: its
// view and its stop through A are B's (docs/operator-api.md, "Sessions"). A listing answers for
// the node asked: B lists the session, A (which keeps no session) nothing.
TEST_F(ClusterForwardTest, OperatorSessionRoutesReachTheSessionsNode) {
  ApiClient via_a(a_.port());
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("alice");
  const std::string id = via_b.launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  auto one = via_a.send("GET", "/operator/sessions/" + id, "", kOperatorKey);
  ASSERT_TRUE(has_status(one, 200));
  EXPECT_EQ(json_of(one)["playerId"].str(), "alice") << describe(*one);
  EXPECT_EQ(json_of(one)["status"].str(), "running") << describe(*one);
  EXPECT_TRUE(
      is_error(via_a.send("GET", "/operator/sessions/" + id, "", "wrong"), 403, "forbidden"));
  auto stop = via_a.send("POST", "/operator/sessions/" + id + "/stop", "", kOperatorKey);
  ASSERT_TRUE(has_status(stop, 200));
  EXPECT_EQ(json_of(stop)["status"].str(), "stopped") << describe(*stop);
  Json history = json_of(via_b.history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["endReason"].str(), "operator_stop");
  auto listed = via_b.send("GET", "/operator/sessions", "", kOperatorKey);
  ASSERT_TRUE(has_status(listed, 200));
  EXPECT_EQ(json_of(listed)["sessions"].size(), 1u) << describe(*listed);
  auto on_a = via_a.send("GET", "/operator/sessions", "", kOperatorKey);
  ASSERT_TRUE(has_status(on_a, 200));
  EXPECT_EQ(json_of(on_a)["sessions"].size(), 0u) << describe(*on_a);
}

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

// A stop waits on the owner for its figures (here 3 s of simulated container stop). A status
// poll sent through the same origin shard while it waits is answered at once, not after it:
// the two travel on different peer connections (PeerLane), since the owner answers each
// connection's requests in order.
TEST_F(ClusterForwardTest, PollIsNotHeldBehindAStopWaitingOnTheOwner) {
  ASSERT_TRUE(restart_node(b_, {"--sim-stop-ms", "3000"}));
  ASSERT_TRUE(restart_node(a_, a_routes(), "1"));  // one shard: one origin for both requests
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("erin");
  const std::string id = via_b.launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());

  std::atomic<bool> stop_answered = false;
  std::optional<HttpResponse> stopped;
  std::thread stopper([&] {
    ApiClient via_a(a_.port());
    stopped = via_a.stop(token, id);
    stop_answered = true;
  });
  sleep_ms(300);  // the stop is on its way to the owner, waiting there
  ApiClient poller(a_.port());
  std::optional<HttpResponse> polled = poller.status(token, id);
  const bool stop_was_answered = stop_answered;
  stopper.join();
  ASSERT_TRUE(has_status(polled, 200));
  EXPECT_EQ(Json::parse(polled->body)["status"].str(), "stopping") << polled->body;
  EXPECT_FALSE(stop_was_answered) << "the poll waited for the stop";
  EXPECT_TRUE(has_status(stopped, 200));
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

// A stranger's request as large as the limits allow (8 KiB headers, 4 KiB target, 64 KiB body)
// is forwarded whole: the owner accepts a forward with the cluster key up to the largest
// player request wrapped (kMaxForwardBodyBytes), answers it (401: nobody minted the token),
// and the peer connection stays up for everyone else. Before, the owner answered 413 and
// closed, and the origin answered 503 to the requests behind it for the backoff.
TEST_F(ClusterForwardTest, LargestStrangerRequestIsForwardedAndDoesNotStopForwarding) {
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("erin");
  ASSERT_FALSE(token.empty());
  HttpClient stranger;
  ASSERT_TRUE(stranger.connect(a_.port()));
  HttpClient player;
  ASSERT_TRUE(player.connect(a_.port()));
  const HeaderList auth = {{"Authorization", "Bearer " + token}};
  const HeaderList fake = {{"Authorization", "Bearer " + made_up_token()}};
  const std::string target = "/api/game/stop?" + std::string(2000, 'q');
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("round " + std::to_string(i));
    EXPECT_TRUE(is_error(stranger.request("POST", target, std::string(65530, 'x'), fake), 401,
                         "unauthorized"));
    EXPECT_TRUE(has_status(player.request("GET", "/api/game/sessions", {}, auth), 200));
  }
  EXPECT_EQ(a_.log().find("peer_connection_lost"), std::string::npos) << a_.log();
}

// Many requests forwarded at once over one peer connection (a one-shard origin) pile up on the
// owner behind a request that waits for the other shard. The owner stops reading the
// connection (TCP back-pressure) instead of cutting it: every request is answered 200. Before,
// the owner cut the connection past ~328 KiB of unparsed input and most requests got 503.
TEST_F(ClusterForwardTest, ForwardedBurstIsServedWithBackPressureNotCutOff) {
  ASSERT_TRUE(restart_node(a_, a_routes(), "1"));
  ApiClient via_b(b_.port());
  std::vector<std::string> tokens;
  for (int i = 0; i < 8; ++i) tokens.push_back(via_b.token_for("burst" + std::to_string(i)));
  // A long query makes each forwarded request ~3.5 KiB: 300 of them exceed 1 MiB.
  const std::string target = "/api/game/sessions?pad=" + std::string(3000, 'p');
  constexpr int kClients = 300;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<HttpClient>());
    ASSERT_TRUE(clients.back()->connect(a_.port())) << i;
  }
  for (int i = 0; i < kClients; ++i) {
    const HeaderList auth = {{"Authorization", "Bearer " + tokens[i % tokens.size()]}};
    ASSERT_TRUE(clients[i]->send_raw(make_request("GET", target, {}, auth)));
  }
  int ok = 0;
  for (auto& c : clients) {
    std::optional<HttpResponse> r = c->read_response(8000);
    if (r && r->status == 200) ++ok;
  }
  EXPECT_EQ(ok, kClients);
  EXPECT_EQ(a_.log().find("peer_connection_lost"), std::string::npos) << a_.log();
}

// Out of descriptors, the origin cannot open its peer connection: the request is answered 503
// with Retry-After at once. Before, it was queued on a connection in backoff and never answered.
TEST_F(ClusterForwardTest, NoDescriptorForThePeerConnectionAnswers503AtOnce) {
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("frank");
  ASSERT_FALSE(token.empty());
  HttpClient client;
  ASSERT_TRUE(client.connect(a_.port()));
  ASSERT_TRUE(is_healthy(client.request("GET", "/healthz")));  // accepted
  // A may open no descriptor more: the peer connection's socket() fails with EMFILE.
  const std::string fds = "/proc/" + std::to_string(a_.pid()) + "/fd";
  // The limit bounds descriptor numbers: the lowest free number leaves none free below it.
  std::set<rlim_t> open_fds;
  for (const auto& e : std::filesystem::directory_iterator(fds)) {
    open_fds.insert(std::stoul(e.path().filename().string()));
  }
  rlim_t lowest_free = 0;
  while (open_fds.count(lowest_free)) ++lowest_free;
  const rlimit limit{lowest_free, lowest_free};
  ASSERT_EQ(prlimit(a_.pid(), RLIMIT_NOFILE, &limit, nullptr), 0) << strerror(errno);
  const auto start = std::chrono::steady_clock::now();
  std::optional<HttpResponse> r =
      client.request("GET", "/api/game/sessions", {}, {{"Authorization", "Bearer " + token}});
  EXPECT_TRUE(is_error(r, 503, "unavailable"));
  if (r) {
    EXPECT_EQ(r->header("Retry-After"), "1");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

// The owner closes an idle peer connection (its keep-alive timeout, 1 s here): that is no
// failure. The next request opens a new connection and is answered 200, and the origin logs no
// lost connection. Before, the origin took the close for a failure: warning, backoff, 503s.
TEST_F(ClusterForwardTest, OwnerClosingAnIdlePeerConnectionIsNoFailure) {
  ASSERT_TRUE(restart_node(b_, {"--keepalive-timeout", "1"}));
  ApiClient via_a(a_.port());
  ApiClient via_b(b_.port());
  const std::string token = via_b.token_for("grace");
  ASSERT_FALSE(token.empty());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_TRUE(has_status(via_a.sessions(token), 200));
    sleep_ms(1300);
  }
  EXPECT_EQ(a_.log().find("peer_connection_lost"), std::string::npos) << a_.log();
}

}  // namespace
}  // namespace ringside::itest

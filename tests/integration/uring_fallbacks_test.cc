// The same server with every optional io_uring feature turned off (--uring-fallbacks):
// COOP_TASKRUN instead of DEFER_TASKRUN, eventfd doorbells instead of MSG_RING, one-shot
// accept and recv re-armed after each completion. What a client sees must not change.
#include <gtest/gtest.h>

#include <string>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/json_fields.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

class UringFallbacksTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start({"--shards", "2", "--uring-fallbacks", "--log-level", "debug"}));
  }
};

TEST_F(UringFallbacksTest, ServesKeepAliveAndPipelinedRequestsInOrder) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port()));
  std::string batch;
  for (int i = 0; i < 8; ++i) {
    batch += make_request("GET", i % 2 ? "/readyz" : "/healthz");
  }
  ASSERT_TRUE(client.send_raw(batch));
  for (int i = 0; i < 8; ++i) {
    auto r = client.read_response();
    ASSERT_TRUE(r) << "response " << i;
    EXPECT_EQ(r->status, 200);
    if (i % 2) {
      EXPECT_EQ(json_bool_field(r->body, "ready"), true);  // crossed to the I/O core and back
    } else {
      EXPECT_EQ(r->body, R"({"status":"ok"})");
    }
  }
  auto again = client.request("GET", "/healthz");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(UringFallbacksTest, ReportsTheFallbacksItUses) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port()));
  ASSERT_TRUE(client.request("GET", "/healthz"));
  EXPECT_NE(server_.log().find("eventfd_doorbell"), std::string::npos) << server_.log();
  EXPECT_NE(server_.log().find("oneshot_recv"), std::string::npos);
}

TEST_F(UringFallbacksTest, ManyConnectionsAcrossShards) {
  for (int round = 0; round < 3; ++round) {
    std::vector<HttpClient> clients(24);
    for (auto& c : clients) ASSERT_TRUE(c.connect(port()));
    for (auto& c : clients) ASSERT_TRUE(c.send_raw(make_request("GET", "/readyz")));
    for (auto& c : clients) {
      auto r = c.read_response();
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200);
    }
  }
}

}  // namespace
}  // namespace ringside::itest

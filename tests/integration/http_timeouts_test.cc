// Slow and idle clients are cut off after their timeout (here 1 s each) while the other
// connections keep being served. Bounds are generous: these test behaviour, not timing.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// No cut-off may come this much before the 1 s timeout (timer wheels tick coarsely).
constexpr milliseconds kEarliestCutOff{700};
constexpr milliseconds kLatestCutOff{5000};

class HttpTimeoutsTest : public ServerTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start({"--shards", "2", "--header-timeout", "1", "--body-timeout", "1",
                               "--keepalive-timeout", "1"}));
  }

  // Serves a request on `bystander` every ~100 ms until `slow` is closed by the server
  // (or kLatestCutOff passed); returns how long `slow` stayed open after `since`.
  milliseconds serve_others_until_closed(HttpClient& slow, HttpClient& bystander,
                                         Clock::time_point since) {
    int served = 0;
    bool closed = false;
    while (!closed && Clock::now() - since < kLatestCutOff) {
      auto r = bystander.request("GET", "/healthz", {}, {}, 1000);
      EXPECT_TRUE(is_healthy(r)) << "request " << served
                                 << " of the other connection failed: " << bystander.error();
      if (!r) break;
      ++served;
      closed = slow.closed_by_peer(100);
    }
    auto open_for = std::chrono::duration_cast<milliseconds>(Clock::now() - since);
    EXPECT_TRUE(closed) << "the slow connection was not closed within " << kLatestCutOff.count()
                        << " ms";
    EXPECT_GE(served, 5) << "the other connection was not served while the slow one waited";
    return open_for;
  }
};

TEST_F(HttpTimeoutsTest, HalfARequestLineIsCutOffWith408) {
  HttpClient bystander;
  ASSERT_TRUE(bystander.connect(port())) << bystander.error();
  HttpClient slow;
  auto since = Clock::now();
  ASSERT_TRUE(slow.connect(port())) << slow.error();
  ASSERT_TRUE(slow.send_raw("GET /heal")) << slow.error();

  milliseconds open_for = serve_others_until_closed(slow, bystander, since);
  EXPECT_GE(open_for.count(), kEarliestCutOff.count()) << "cut off before the timeout";
  EXPECT_TRUE(is_error(slow.read_response(0), 408, "request_timeout")) << slow.error();
}

TEST_F(HttpTimeoutsTest, StalledBodyIsCutOffWith408) {
  HttpClient bystander;
  ASSERT_TRUE(bystander.connect(port())) << bystander.error();
  HttpClient slow;
  ASSERT_TRUE(slow.connect(port())) << slow.error();
  auto since = Clock::now();
  ASSERT_TRUE(
      slow.send_raw("POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n"
                    "\r\n0123456789"))
      << slow.error();

  milliseconds open_for = serve_others_until_closed(slow, bystander, since);
  EXPECT_GE(open_for.count(), kEarliestCutOff.count()) << "cut off before the timeout";
  EXPECT_TRUE(is_error(slow.read_response(0), 408, "request_timeout")) << slow.error();
}

TEST_F(HttpTimeoutsTest, IdleKeepAliveConnectionIsClosedWithoutAnAnswer) {
  HttpClient idle;
  ASSERT_TRUE(idle.connect(port())) << idle.error();
  ASSERT_TRUE(is_healthy(idle.request("GET", "/healthz"))) << idle.error();
  auto since = Clock::now();

  EXPECT_TRUE(idle.closed_by_peer(static_cast<int>(kLatestCutOff.count())));
  auto open_for = std::chrono::duration_cast<milliseconds>(Clock::now() - since);
  EXPECT_GE(open_for.count(), kEarliestCutOff.count()) << "closed before the keep-alive timeout";
  EXPECT_EQ(idle.unread(), "") << "an idle connection got bytes instead of a plain close";
}

}  // namespace
}  // namespace ringside::itest

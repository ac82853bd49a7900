// SIGTERM drains: new connections are refused, idle ones closed, a request in flight is still
// answered (with Connection: close), and the process exits 0.
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class DrainTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }

  // True once a connect is refused, trying every 50 ms for up to timeout.
  bool refuses_connections(milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    do {
      HttpClient probe;
      if (!probe.connect(port(), 500) && probe.last_errno() == ECONNREFUSED) return true;
      std::this_thread::sleep_for(milliseconds(50));
    } while (Clock::now() < deadline);
    return false;
  }
};

TEST_F(DrainTest, SigtermAnswersTheRequestInFlightAndExitsZero) {
  HttpClient in_flight;
  ASSERT_TRUE(in_flight.connect(port())) << in_flight.error();
  ASSERT_TRUE(is_healthy(in_flight.request("GET", "/healthz"))) << in_flight.error();
  HttpClient idle;
  ASSERT_TRUE(idle.connect(port())) << idle.error();
  ASSERT_TRUE(is_healthy(idle.request("GET", "/healthz"))) << idle.error();

  // Half of the body, so the request is still being received when the signal comes.
  ASSERT_TRUE(in_flight.send_raw(
      "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20\r\n\r\n0123456789"))
      << in_flight.error();
  std::this_thread::sleep_for(milliseconds(100));
  server_.send_signal(SIGTERM);
  std::this_thread::sleep_for(milliseconds(200));

  EXPECT_TRUE(idle.closed_by_peer(2000)) << "an idle connection was kept open while draining";
  EXPECT_EQ(idle.unread(), "");
  EXPECT_TRUE(refuses_connections(milliseconds(2000))) << "still accepting while draining";

  ASSERT_TRUE(in_flight.send_raw("abcdefghij")) << in_flight.error();
  auto r = in_flight.read_response(3000);
  ASSERT_TRUE(r) << "the request in flight got no answer: " << in_flight.error();
  EXPECT_TRUE(iequals(r->header("Connection"), "close")) << describe(*r);
  EXPECT_TRUE(in_flight.closed_by_peer(3000));

  EXPECT_EQ(server_.wait_for_exit(10000), 0);
}

TEST_F(DrainTest, SigtermOnAnIdleServerExitsZero) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
  EXPECT_EQ(server_.terminate_and_wait(SIGTERM, 10000), 0);
  EXPECT_TRUE(client.closed_by_peer(1000));
}

}  // namespace
}  // namespace ringside::itest

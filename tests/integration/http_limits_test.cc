// Size limits, malformed requests, the connection cap and the output backlog: every bad
// client gets its answer and its connection closed, and nobody else notices.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <string_view>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

class HttpLimitsTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }

  void expect_rejected_without_harm(std::string_view bad, int status, std::string_view code) {
    itest::expect_rejected_without_harm(port(), bad, status, code);
  }

  // Sends `request` on a fresh connection and returns the answer.
  std::optional<HttpResponse> send_one(std::string_view request) {
    HttpClient client;
    if (!client.connect(port()) || !client.send_raw(request)) return std::nullopt;
    return client.read_response(3000);
  }
};

std::string chunked_post_head() {
  return "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
}

TEST_F(HttpLimitsTest, HeaderBlockOver8KiBIs431) {
  std::string request =
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + std::string(9000, 'a') +
      "\r\n\r\n";
  expect_rejected_without_harm(request, 431, "headers_too_large");
}

TEST_F(HttpLimitsTest, ManyHeadersOver8KiBTogetherAre431) {
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 100; ++i) {
    request += "X-Filler-" + std::to_string(i) + ": " + std::string(90, 'b') + "\r\n";
  }
  expect_rejected_without_harm(request + "\r\n", 431, "headers_too_large");
}

TEST_F(HttpLimitsTest, HeaderBlockUnder8KiBIsServed) {
  EXPECT_TRUE(is_healthy(send_one("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " +
                                  std::string(7000, 'a') + "\r\n\r\n")));
}

TEST_F(HttpLimitsTest, UriOver4KiBIs414) {
  std::string request =
      "GET /healthz?pad=" + std::string(5000, 'u') + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  expect_rejected_without_harm(request, 414, "uri_too_long");
}

TEST_F(HttpLimitsTest, UriUnder4KiBIsServed) {
  EXPECT_TRUE(is_healthy(
      send_one("GET /healthz?pad=" + std::string(3000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n")));
}

TEST_F(HttpLimitsTest, DeclaredBodyOver64KiBIs413BeforeItIsSent) {
  std::string request =
      "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65537\r\n\r\n";
  expect_rejected_without_harm(request, 413, "payload_too_large");
}

TEST_F(HttpLimitsTest, ChunkedBodyOver64KiBIs413) {
  std::string request = chunked_post_head();
  for (int i = 0; i < 16; ++i) request += "1000\r\n" + std::string(4096, 'c') + "\r\n";
  request += "1\r\nc\r\n";  // one byte over 64 KiB, and no last chunk
  expect_rejected_without_harm(request, 413, "payload_too_large");
}

TEST_F(HttpLimitsTest, BodyOfExactly64KiBIsAccepted) {
  // POST /healthz is a 405 once the whole body has been read, not a 413.
  std::string request =
      "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n\r\n" +
      std::string(65536, 'b');
  EXPECT_TRUE(is_error(send_one(request), 405, "method_not_allowed"));
}

TEST_F(HttpLimitsTest, ContentLengthWithTransferEncodingIs400) {
  std::string request =
      "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
  expect_rejected_without_harm(request, 400, "invalid_request");
}

TEST_F(HttpLimitsTest, TwoDifferentContentLengthsAre400) {
  std::string request =
      "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
      "\r\nhello!";
  expect_rejected_without_harm(request, 400, "invalid_request");
}

TEST_F(HttpLimitsTest, BadChunkSizeIs400) {
  expect_rejected_without_harm(chunked_post_head() + "zz\r\nhello\r\n0\r\n\r\n", 400,
                               "invalid_request");
}

TEST_F(HttpLimitsTest, TextThatIsNotHttpIs400) {
  expect_rejected_without_harm("this is not http at all\r\n\r\n", 400, "invalid_request");
}

TEST_F(HttpLimitsTest, TlsHandshakeOnThePlainPortIs400) {
  // The first bytes of a TLS ClientHello, as a browser sends to an https:// URL.
  const char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, static_cast<char>(0xfc),
                        0x03, 0x03, 0x5a, 0x2b, 0x10, 0x00, 0x0d, 0x0a, 0x0d,
                        0x0a};
  expect_rejected_without_harm(std::string_view(hello, sizeof hello), 400, "invalid_request");
}

// Tests that start the server with flags of their own.
class HttpConnectionLimitsTest : public ServerTest {};

// A client that writes requests without ever reading answers is cut off once its unsent
// output passes --max-output-backlog, instead of making the server buffer without bound.
TEST_F(HttpConnectionLimitsTest, ClientThatNeverReadsIsCutOffAtTheOutputBacklog) {
  ASSERT_TRUE(server_.start({"--shards", "2", "--max-output-backlog", "65536"}));
  HttpClient bystander;
  ASSERT_TRUE(bystander.connect(port())) << bystander.error();
  ASSERT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();

  HttpClient flood;
  // A small receive window, so the server's answers pile up on its side quickly.
  ASSERT_TRUE(flood.connect(port(), 2000, 4096)) << flood.error();
  std::string batch;
  constexpr int kBatchRequests = 1000;
  constexpr int kBatches = 200;
  for (int i = 0; i < kBatchRequests; ++i) batch += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

  auto deadline = Clock::now() + std::chrono::seconds(10);
  send_without_reading(flood, batch, kBatches, deadline);
  // Only now read: what the server sent before it cut the connection, then the close itself.
  int left_ms = static_cast<int>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
  EXPECT_TRUE(flood.closed_by_peer(left_ms)) << "the flooding connection was not cut off";
  size_t answers = 0;
  for (size_t pos = 0; (pos = flood.unread().find("HTTP/1.1 ", pos)) != std::string::npos; ++pos) {
    ++answers;
  }
  EXPECT_LT(answers, static_cast<size_t>(kBatchRequests) * kBatches)
      << "every request was answered, so nothing was cut off";

  EXPECT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();
  HttpClient newcomer;
  ASSERT_TRUE(newcomer.connect(port())) << newcomer.error();
  EXPECT_TRUE(is_healthy(newcomer.request("GET", "/healthz"))) << newcomer.error();
}

// Past --max-connections a new connection waits (in the kernel's accept queue) rather than
// being served; it is served as soon as another one closes, and the server stays up.
TEST_F(HttpConnectionLimitsTest, ConnectionOverTheCapWaitsForAFreeSlot) {
  ASSERT_TRUE(server_.start({"--shards", "1", "--max-connections", "4"}));
  HttpClient clients[4];
  for (auto& client : clients) {
    ASSERT_TRUE(client.connect(port())) << client.error();
    ASSERT_TRUE(is_healthy(client.request("GET", "/healthz", {}, {}, 3000))) << client.error();
  }

  HttpClient fifth;
  ASSERT_TRUE(fifth.connect(port())) << fifth.error();
  ASSERT_TRUE(fifth.send_raw(make_request("GET", "/healthz"))) << fifth.error();
  EXPECT_FALSE(fifth.closed_by_peer(500)) << "the fifth connection was closed, not kept waiting";
  EXPECT_EQ(fifth.unread(), "") << "the fifth connection was answered over the cap";

  for (auto& client : clients) {
    EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
  }
  clients[3].close();
  EXPECT_TRUE(is_healthy(fifth.read_response(3000))) << fifth.error();

  EXPECT_TRUE(server_.running());
  EXPECT_TRUE(is_healthy(clients[0].request("GET", "/healthz"))) << clients[0].error();
  EXPECT_TRUE(is_healthy(fifth.request("GET", "/healthz"))) << fifth.error();
}

}  // namespace
}  // namespace ringside::itest

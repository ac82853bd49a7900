// RFC 9112 framing rules a lenient parser lets through: each is a request-smuggling or
// cache-poisoning lever behind a proxy that reads the same bytes differently, so each must be
// a 400 with the connection closed. And the connection rules around them: no "100 Continue"
// to HTTP/1.0, every complete request answered in order even after the client's half-close.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <string_view>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/json_fields.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

class HttpStrictnessTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }

  void expect_rejected(std::string_view bad) {
    expect_rejected_without_harm(port(), bad, 400, "invalid_request");
  }
};

TEST_F(HttpStrictnessTest, SpaceBeforeTheColonIs400) {
  expect_rejected("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For : 10.0.0.1\r\n\r\n");
  expect_rejected("GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n");
  expect_rejected(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n");
}

TEST_F(HttpStrictnessTest, Http11WithoutHostIs400) {
  expect_rejected("GET /healthz HTTP/1.1\r\n\r\n");
}

TEST_F(HttpStrictnessTest, TwoHostHeadersAre400) {
  expect_rejected("GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");
  expect_rejected("GET /healthz HTTP/1.0\r\nHost: a.example\r\nHost: a.example\r\n\r\n");
}

TEST_F(HttpStrictnessTest, HostWithAnInvalidValueIs400) {
  expect_rejected("GET /healthz HTTP/1.1\r\nHost: a.example/evil\r\n\r\n");
  expect_rejected("GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n");
}

TEST_F(HttpStrictnessTest, Http10WithoutHostIsServed) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw("GET /healthz HTTP/1.0\r\n\r\n")) << client.error();
  EXPECT_TRUE(is_healthy(client.read_response(3000))) << client.error();
}

TEST_F(HttpStrictnessTest, HostWithPortOrIpv6LiteralIsServed) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  for (std::string_view host : {"play.example.com:8443", "[::1]:8080", "127.0.0.1", ""}) {
    EXPECT_TRUE(is_healthy(client.request("GET", "/healthz", {}, {{"Host", std::string(host)}})))
        << host << ": " << client.error();
  }
}

// "GET /" alone is an HTTP/0.9 request line to llhttp, and the header lines after it would be
// parsed as the next request; "HTTP/2.0" over HTTP/1 framing is no HTTP/2 client.
TEST_F(HttpStrictnessTest, RequestLinesOfOtherVersionsAre505) {
  expect_rejected_without_harm(port(), "GET /healthz\r\nHost: x\r\n\r\n", 505,
                               "http_version_not_supported");
  expect_rejected_without_harm(port(), "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505,
                               "http_version_not_supported");
}

TEST_F(HttpStrictnessTest, ChunkDataNotFollowedByCrlfIs400) {
  // "XY" where the CRLF after the chunk's 3 bytes belongs.
  expect_rejected(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabcXY0\r\n\r\n");
}

TEST_F(HttpStrictnessTest, ObsFoldedHeaderIs400) {
  expect_rejected(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n");
  expect_rejected("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Note: one\r\n\ttwo\r\n\r\n");
}

TEST_F(HttpStrictnessTest, NoContinueForHttp10) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw(
      "POST /healthz HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"))
      << client.error();
  EXPECT_FALSE(client.closed_by_peer(300));
  EXPECT_EQ(client.unread(), "") << "an interim answer was sent to an HTTP/1.0 client";
  ASSERT_TRUE(client.send_raw("abc")) << client.error();
  auto r = client.read_response(3000);
  EXPECT_TRUE(is_error(r, 405, "method_not_allowed"));
}

TEST_F(HttpStrictnessTest, ContinueIsStillSentToHttp11) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw(
      "POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"))
      << client.error();
  EXPECT_TRUE(has_status(client.read_response(3000), 100)) << client.error();
  ASSERT_TRUE(client.send_raw("abc")) << client.error();
  EXPECT_TRUE(is_error(client.read_response(3000), 405, "method_not_allowed"));
}

// /readyz is answered by another thread; what the client pipelined behind it, and its
// half-close, must not make the server forget the requests that were already complete.
TEST_F(HttpStrictnessTest, PipelinedRequestsBeforeHalfCloseAreAllAnsweredInOrder) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw(make_request("GET", "/readyz") + make_request("GET", "/healthz") +
                              make_request("GET", "/readyz") + make_request("GET", "/healthz")))
      << client.error();
  ASSERT_EQ(::shutdown(client.fd(), SHUT_WR), 0);
  for (int i = 0; i < 2; ++i) {
    auto ready = client.read_response(3000);
    ASSERT_TRUE(has_status(ready, 200)) << i << ": " << client.error();
    EXPECT_EQ(json_bool_field(ready->body, "ready"), true) << describe(*ready);
    EXPECT_TRUE(is_healthy(client.read_response(3000))) << i << ": " << client.error();
  }
  EXPECT_TRUE(client.closed_by_peer(3000)) << "the connection stayed open after the last answer";
}

// A request still partial at the half-close can never complete; the complete one before it is
// answered all the same.
TEST_F(HttpStrictnessTest, CompleteRequestBeforeAPartialOneIsAnsweredAfterHalfClose) {
  for (int round = 0; round < 20; ++round) {
    HttpClient client;
    ASSERT_TRUE(client.connect(port())) << client.error();
    ASSERT_TRUE(client.send_raw(make_request("GET", "/healthz") + "GET /heal")) << client.error();
    ASSERT_EQ(::shutdown(client.fd(), SHUT_WR), 0);
    EXPECT_TRUE(is_healthy(client.read_response(3000))) << round << ": " << client.error();
    EXPECT_TRUE(client.closed_by_peer(3000)) << round;
  }
}

}  // namespace
}  // namespace ringside::itest

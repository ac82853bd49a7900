// RequestParser: llhttp driven one message at a time, with the SPEC's limits.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/limits.h"

namespace ringside {
namespace {

struct Parsed {
  RequestParser::Status status;
  size_t consumed;
};

Parsed feed(RequestParser& p, std::string_view data) {
  size_t used = 0;
  RequestParser::Status s = p.execute(data.data(), data.size(), &used);
  return {s, used};
}

TEST(RequestParserTest, ParsesOneRequestAndStopsRightAfterIt) {
  RequestParser p;
  const std::string one =
      "GET /api/game/session-status?sessionId=s1 HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer tok\r\n\r\n";
  const std::string wire = one + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  Parsed r = feed(p, wire);
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(r.consumed, one.size());
  const Request& req = p.request();
  EXPECT_EQ(req.method, Method::kGet);
  EXPECT_EQ(req.path, "/api/game/session-status");
  EXPECT_EQ(req.query, "sessionId=s1");
  EXPECT_EQ(req.authorization, "Bearer tok");
  EXPECT_TRUE(req.keep_alive);

  Parsed second = feed(p, std::string_view(wire).substr(r.consumed));
  ASSERT_EQ(second.status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().path, "/healthz");
  EXPECT_TRUE(p.request().authorization.empty());
}

// The play page's revalidation (docs/play-page.md): the first If-None-Match is kept, and the
// next request on the connection starts without it.
TEST(RequestParserTest, IfNoneMatchIsSeenForItsRequestOnly) {
  RequestParser p;
  const std::string one =
      "GET /play/x HTTP/1.1\r\nHost: x\r\nif-none-match: \"a\", W/\"b\"\r\n"
      "If-None-Match: \"c\"\r\n\r\n";
  const std::string wire = one + "GET /play/x HTTP/1.1\r\nHost: x\r\n\r\n";
  Parsed r = feed(p, wire);
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().if_none_match, "\"a\", W/\"b\"");
  Parsed second = feed(p, std::string_view(wire).substr(r.consumed));
  ASSERT_EQ(second.status, RequestParser::Status::kComplete);
  EXPECT_TRUE(p.request().if_none_match.empty());
}

TEST(RequestParserTest, SixteenPipelinedRequestsComeOutInOrder) {
  RequestParser p;
  std::string wire;
  for (int i = 0; i < 16; ++i)
    wire += "GET /r" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string_view rest = wire;
  for (int i = 0; i < 16; ++i) {
    Parsed r = feed(p, rest);
    ASSERT_EQ(r.status, RequestParser::Status::kComplete) << i;
    EXPECT_EQ(p.request().path, "/r" + std::to_string(i));
    rest.remove_prefix(r.consumed);
  }
  EXPECT_TRUE(rest.empty());
}

// A request split across receives: the caller keeps the partial message in its own buffer
// and tells the parser where it moved; views must then point at the moved bytes.
TEST(RequestParserTest, PartialMessageSurvivesBeingMoved) {
  RequestParser p;
  const std::string wire =
      "POST /api/game/keepalive HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\r\n"
      "Content-Length: 17\r\n\r\n{\"sessionId\":\"x\"}";
  std::string first(wire.substr(0, 30));
  Parsed r = feed(p, first);
  ASSERT_EQ(r.status, RequestParser::Status::kNeedMore);
  ASSERT_TRUE(p.in_message());
  // Move the partial message elsewhere, scribble over the original, append the rest.
  std::string moved(first);
  first.assign(first.size(), '#');
  p.rebase(moved.data());
  moved += wire.substr(30);
  p.rebase(moved.data());
  r = feed(p, std::string_view(moved).substr(30));
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().path, "/api/game/keepalive");
  EXPECT_EQ(p.request().authorization, "Bearer abc");
  EXPECT_EQ(p.request().body, "{\"sessionId\":\"x\"}");
}

TEST(RequestParserTest, ChunkedBodyIsGathered) {
  RequestParser p;
  Parsed r = feed(p,
                  "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().body, "hello world");
}

TEST(RequestParserTest, Http10ClosesUnlessAskedToKeepAlive) {
  RequestParser a;
  ASSERT_EQ(feed(a, "GET / HTTP/1.0\r\n\r\n").status, RequestParser::Status::kComplete);
  EXPECT_FALSE(a.request().keep_alive);
  EXPECT_EQ(a.request().http_minor, 0);
  RequestParser b;
  ASSERT_EQ(feed(b, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").status,
            RequestParser::Status::kComplete);
  EXPECT_TRUE(b.request().keep_alive);
  RequestParser c;
  ASSERT_EQ(feed(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status,
            RequestParser::Status::kComplete);
  EXPECT_FALSE(c.request().keep_alive);
}

TEST(RequestParserTest, ExpectContinueIsSeen) {
  RequestParser p;
  Parsed r =
      feed(p, "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(r.status, RequestParser::Status::kNeedMore);
  EXPECT_TRUE(p.headers_complete());
  EXPECT_TRUE(p.expects_continue());
}

void expect_error(std::string_view wire, uint16_t status, std::string_view code) {
  RequestParser p;
  Parsed r = feed(p, wire);
  ASSERT_EQ(r.status, RequestParser::Status::kError) << wire.substr(0, 60);
  EXPECT_EQ(p.error_status(), status);
  EXPECT_EQ(p.error_code(), code);
  EXPECT_FALSE(p.error_message().empty());
}

TEST(RequestParserTest, LongTargetIs414) {
  expect_error("GET /" + std::string(kMaxUriBytes, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414,
               "uri_too_long");
}

TEST(RequestParserTest, LongHeaderBlockIs431) {
  expect_error(
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(kMaxHeaderBytes, 'b') + "\r\n\r\n", 431,
      "headers_too_large");
}

TEST(RequestParserTest, DeclaredBodyOverTheLimitIs413BeforeItArrives) {
  expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n",
               413, "payload_too_large");
}

TEST(RequestParserTest, ChunkedBodyOverTheLimitIs413) {
  std::string wire = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(4096, 'c');
  for (size_t sent = 0; sent <= kMaxBodyBytes; sent += chunk.size())
    wire += "1000\r\n" + chunk + "\r\n";
  expect_error(wire, 413, "payload_too_large");
}

TEST(RequestParserTest, SmugglingShapesAre400) {
  expect_error(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
      "invalid_request");
  expect_error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
               400, "invalid_request");
  expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n", 400,
               "invalid_request");
  expect_error("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, "invalid_request");
}

TEST(RequestParserTest, ExactlyTheBodyLimitIsAccepted) {
  RequestParser p;
  std::string wire =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kMaxBodyBytes) +
      "\r\n\r\n" + std::string(kMaxBodyBytes, 'x');
  Parsed r = feed(p, wire);
  ASSERT_EQ(r.status, RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().body.size(), kMaxBodyBytes);
}

// RFC 9112 rules that llhttp, even in strict mode, leaves to us, and those strict mode adds.
TEST(RequestParserTest, SpaceBeforeTheColonIs400) {
  expect_error("GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For : 1.2.3.4\r\n\r\n", 400,
               "invalid_request");
}

TEST(RequestParserTest, ChunkDataMustEndWithCrlf) {
  expect_error(
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n", 400,
      "invalid_request");
}

TEST(RequestParserTest, ObsFoldIs400) {
  expect_error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400,
               "invalid_request");
  expect_error("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400, "invalid_request");
}

// A value cut by a receive boundary (its pieces adjacent once moved) is not a fold.
TEST(RequestParserTest, ValueSplitAcrossReceivesIsNotAFold) {
  const std::string wire = "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a long agent\r\n\r\n";
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    RequestParser p;
    std::string moved = wire.substr(0, cut);
    Parsed r = feed(p, moved);
    ASSERT_EQ(r.status, RequestParser::Status::kNeedMore) << cut;
    moved += wire.substr(cut);
    p.rebase(moved.data());
    r = feed(p, std::string_view(moved).substr(cut));
    EXPECT_EQ(r.status, RequestParser::Status::kComplete) << cut;
  }
}

TEST(RequestParserTest, Http11NeedsExactlyOneValidHost) {
  expect_error("GET / HTTP/1.1\r\n\r\n", 400, "invalid_request");
  expect_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "invalid_request");
  expect_error("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "invalid_request");
  expect_error("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", 400, "invalid_request");
  for (std::string_view host : {"x", "play.example.com:8443", "[::1]:80", "127.0.0.1  ", ""}) {
    RequestParser p;
    EXPECT_EQ(feed(p, "GET / HTTP/1.1\r\nHost: " + std::string(host) + "\r\n\r\n").status,
              RequestParser::Status::kComplete)
        << host;
  }
}

// Field names are case-insensitive (RFC 9110 §5.1), and so is the 100-continue expectation.
TEST(RequestParserTest, HeaderNamesMatchInAnyCase) {
  expect_error("GET / HTTP/1.1\r\nHost: a\r\nHOST: a\r\n\r\n", 400, "invalid_request");
  expect_error("GET / HTTP/1.1\r\nhOsT: a b\r\n\r\n", 400, "invalid_request");
  RequestParser p;
  ASSERT_EQ(feed(p, "GET / HTTP/1.1\r\nhost: x\r\nAUTHORIZATION: Bearer t\r\n\r\n").status,
            RequestParser::Status::kComplete);
  EXPECT_EQ(p.request().authorization, "Bearer t");
  RequestParser q;
  feed(q, "POST /x HTTP/1.1\r\nHost: x\r\nEXPECT: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(q.expects_continue());
}

TEST(RequestParserTest, Http10NeedsNoHostButMayNotHaveTwo) {
  RequestParser p;
  EXPECT_EQ(feed(p, "GET / HTTP/1.0\r\n\r\n").status, RequestParser::Status::kComplete);
  expect_error("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "invalid_request");
}

TEST(RequestParserTest, VersionsOtherThanHttp1Are505) {
  expect_error("GET /\r\nHost: x\r\n\r\n", 505, "http_version_not_supported");
  expect_error("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported");
}

TEST(RequestParserTest, Http10ExpectationIsIgnored) {
  RequestParser p;
  Parsed r = feed(p, "POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_EQ(r.status, RequestParser::Status::kNeedMore);
  EXPECT_TRUE(p.headers_complete());
  EXPECT_FALSE(p.expects_continue());
}

}  // namespace
}  // namespace ringside

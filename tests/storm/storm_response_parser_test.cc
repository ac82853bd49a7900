#include "tools/storm/response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside::storm {
namespace {

TEST(StormResponseParser, ReadsStatusAndBody) {
  const std::string data =
      "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
      "{\"a\":\"bcde\"}\n";
  const ParsedResponse r = parse_response(data);
  ASSERT_EQ(r.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(r.consumed, data.size());
  EXPECT_EQ(r.head.status, 202);
  EXPECT_EQ(r.head.body, "{\"a\":\"bcde\"}\n");
  EXPECT_FALSE(r.head.close);
  EXPECT_EQ(r.head.retry_after_s, 0u);
}

TEST(StormResponseParser, WaitsForTheRestOfHeadOrBody) {
  const std::string data = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  for (size_t cut = 0; cut < data.size(); ++cut) {
    EXPECT_EQ(parse_response(data.substr(0, cut)).outcome, ParseOutcome::kIncomplete) << cut;
  }
  EXPECT_EQ(parse_response(data).outcome, ParseOutcome::kComplete);
}

TEST(StormResponseParser, SplitsPipelinedResponses) {
  const std::string first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  const std::string second = "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnot";
  const std::string data = first + second;
  const ParsedResponse a = parse_response(data);
  ASSERT_EQ(a.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(a.consumed, first.size());
  EXPECT_EQ(a.head.body, "ok");
  const ParsedResponse b = parse_response(std::string_view(data).substr(a.consumed));
  ASSERT_EQ(b.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(b.head.status, 404);
  EXPECT_EQ(b.head.body, "not");
}

TEST(StormResponseParser, ReadsRetryAfterAndConnectionCloseInAnyCase) {
  const ParsedResponse r = parse_response(
      "HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER: 7\r\nconnection: Close\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(r.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(r.head.status, 429);
  EXPECT_EQ(r.head.retry_after_s, 7u);
  EXPECT_TRUE(r.head.close);
  EXPECT_TRUE(r.head.body.empty());
}

TEST(StormResponseParser, ADateRetryAfterCountsAsAbsent) {
  const ParsedResponse r = parse_response(
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
      "Content-Length: 0\r\n\r\n");
  ASSERT_EQ(r.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(r.head.retry_after_s, 0u);
}

TEST(StormResponseParser, AcceptsAStatusLineWithoutReason) {
  const std::string_view data = "HTTP/1.1 204\r\n\r\n";
  const ParsedResponse r = parse_response(data);
  ASSERT_EQ(r.outcome, ParseOutcome::kComplete);
  EXPECT_EQ(r.head.status, 204);
  EXPECT_EQ(r.consumed, data.size());
}

TEST(StormResponseParser, RejectsWhatItCannotFrame) {
  for (const char* data : {
           "HTTP/1.1 200 OK\r\n\r\n",                                         // no length
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  // chunked
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
           "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 100 Continue\r\n\r\n",
           "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
           "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
       }) {
    EXPECT_EQ(parse_response(data).outcome, ParseOutcome::kInvalid) << data;
  }
}

TEST(StormResponseParser, RejectsAnEndlessHead) {
  std::string data = "HTTP/1.1 200 OK\r\n";
  while (data.size() <= kMaxResponseHeadBytes) data += "X-Filler: 0123456789abcdef\r\n";
  EXPECT_EQ(parse_response(data).outcome, ParseOutcome::kInvalid);
}

}  // namespace
}  // namespace ringside::storm

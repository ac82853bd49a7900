// Reading another node's answers (http/peer_response.h): Content-Length framing, pipelined
// answers one after another, and anything else refused.
#include "http/peer_response.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside {
namespace {

TEST(PeerResponse, PipelinedAnswersAreReadOneAfterAnother) {
  const std::string a = "HTTP/1.1 200 OK\r\nDate: x\r\nContent-Length: 5\r\n\r\nhello";
  const std::string b = "HTTP/1.1 503 Service Unavailable\r\ncontent-length:  2 \r\n\r\nno";
  const std::string both = a + b;
  PeerResponse r;
  ASSERT_EQ(parse_peer_response(both, &r), PeerParse::kDone);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.size, a.size());
  EXPECT_FALSE(r.close);
  ASSERT_EQ(parse_peer_response(std::string_view(both).substr(r.size), &r), PeerParse::kDone);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "no");
}

TEST(PeerResponse, APartialAnswerNeedsMore) {
  const std::string a = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
  PeerResponse r;
  for (size_t n = 0; n < a.size(); ++n) {
    ASSERT_EQ(parse_peer_response(std::string_view(a).substr(0, n), &r), PeerParse::kNeedMore) << n;
  }
  ASSERT_EQ(parse_peer_response(a, &r), PeerParse::kDone);
  EXPECT_TRUE(r.close);
}

TEST(PeerResponse, OtherFramingIsRefused) {
  PeerResponse r;
  for (const char* bad : {
           "HTTP/1.1 200 OK\r\n\r\n",
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
           "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
           "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
           "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
       }) {
    EXPECT_EQ(parse_peer_response(bad, &r), PeerParse::kError) << bad;
  }
  EXPECT_EQ(parse_peer_response(std::string(9000, 'x'), &r), PeerParse::kError);
}

}  // namespace
}  // namespace ringside

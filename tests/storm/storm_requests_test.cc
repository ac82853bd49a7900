#include "tools/storm/requests.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside::storm {
namespace {

// The body after the blank line, checked against the declared Content-Length.
std::string body_of(const std::string& request) {
  const size_t end = request.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  std::string body = request.substr(end + 4);
  const size_t length = request.find("Content-Length: ");
  if (length != std::string::npos) {
    EXPECT_EQ(std::stoul(request.substr(length + 16)), body.size());
  }
  return body;
}

TEST(StormRequests, OperatorLaunchCarriesTheKeyAndThePlayer) {
  const std::string r = operator_launch_request("127.0.0.1:8080", "k3y", "storm-a-7", "chess");
  EXPECT_EQ(r.rfind("POST /operator/launch HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(r.find("\r\nHost: 127.0.0.1:8080\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nAuthorization: Bearer k3y\r\n"), std::string::npos);
  EXPECT_NE(r.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(body_of(r), R"({"playerId":"storm-a-7","gameSlug":"chess"})");
}

TEST(StormRequests, SessionCallsNameTheSession) {
  EXPECT_EQ(body_of(launch_request("h", "tok", "chess")), R"({"gameSlug":"chess"})");
  EXPECT_EQ(body_of(keepalive_request("h", "tok", "s1ab")), R"({"sessionId":"s1ab"})");
  const std::string stop = stop_request("h", "tok", "s1ab");
  EXPECT_EQ(stop.rfind("POST /api/game/stop HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(body_of(stop), R"({"sessionId":"s1ab"})");
}

TEST(StormRequests, StatusIsAGetWithTheIdInTheQuery) {
  const std::string r = status_request("h", "tok", "s1 a&b");
  EXPECT_EQ(r.rfind("GET /api/game/session-status?sessionId=s1%20a%26b HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(r.find("Content-Length"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

TEST(StormRequests, EscapesJsonStrings) {
  EXPECT_EQ(body_of(launch_request("h", "t", "a\"b\\c\n")), R"({"gameSlug":"a\"b\\c\u000a"})");
}

}  // namespace
}  // namespace ringside::storm

// Latency by route (docs/operations.md "Metrics"): each answer lands in its route's histogram
// of ringside_http_request_duration_seconds, labelled as ringside_http_requests_total is.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

class RouteLatencyTest : public SessionsTest {};

TEST_F(RouteLatencyTest, StatusPollsLandInTheSessionStatusHistogram) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("p0");
  const std::string session = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(session.empty());
  constexpr int kPolls = 5;
  for (int i = 0; i < kPolls; ++i) ASSERT_TRUE(has_status(api().status(token, session), 200));

  const std::string count =
      R"(ringside_http_request_duration_seconds_count{route="/api/game/session-status"})";
  const std::string inf =
      R"(ringside_http_request_duration_seconds_bucket{route="/api/game/session-status",le="+Inf"})";
  const std::string launches =
      R"(ringside_http_request_duration_seconds_count{route="/api/game/launch"})";
  // Shards publish with relaxed stores: a scrape on another shard is allowed to lag a moment.
  std::optional<HttpResponse> m;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    m = api().metrics();
    ASSERT_TRUE(has_status(m, 200));
    if (metric_value(m->body, count).value_or(0) >= kPolls) break;
    sleep_ms(50);
  } while (std::chrono::steady_clock::now() < deadline);

  EXPECT_EQ(metric_value(m->body, count), kPolls) << m->body;
  EXPECT_EQ(metric_value(m->body, inf), kPolls) << m->body;
  EXPECT_EQ(metric_value(m->body, launches), 1) << m->body;
  EXPECT_TRUE(metric_value(
                  m->body,
                  R"(ringside_http_request_duration_seconds_sum{route="/api/game/session-status"})")
                  .has_value())
      << m->body;
  // No series without a route: every answer has one ("unmatched" when none matched).
  EXPECT_EQ(m->body.find("ringside_http_request_duration_seconds_count "), std::string::npos)
      << m->body;
}

}  // namespace
}  // namespace ringside::itest

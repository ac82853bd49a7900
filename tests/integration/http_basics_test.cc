// HTTP/1.1 basics of the operations endpoints: health, readiness, metrics, common headers,
// keep-alive, pipelining and the error answers for unknown paths and wrong methods.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "integration/http_client.h"
#include "integration/http_expect.h"
#include "integration/json_fields.h"
#include "integration/server_test.h"

namespace ringside::itest {
namespace {

class HttpBasicsTest : public ServerTest {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.start({"--shards", "2"})); }

  std::optional<HttpResponse> get(std::string_view target) {
    HttpClient client;
    if (!client.connect(port())) return std::nullopt;
    return client.request("GET", target);
  }
};

// The value of one sample line `series value` in Prometheus text, if present.
std::optional<double> metric_value(const std::string& text, const std::string& series) {
  size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      return std::strtod(text.c_str() + pos + series.size() + 1, nullptr);
    }
    pos += series.size();
  }
  return std::nullopt;
}

// Date must be an IMF-fixdate (RFC 9110 5.6.7) close to now, with the right weekday.
::testing::AssertionResult is_current_imf_fixdate(const std::string& date) {
  static const std::regex kFormat(
      R"(^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) )"
      R"(\d{4} \d\d:\d\d:\d\d GMT$)");
  if (!std::regex_match(date, kFormat)) {
    return ::testing::AssertionFailure() << "'" << date << "' is not an IMF-fixdate";
  }
  std::tm parsed{};
  if (strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parsed) == nullptr) {
    return ::testing::AssertionFailure() << "cannot parse '" << date << "'";
  }
  int weekday = parsed.tm_wday;
  time_t when = timegm(&parsed);
  if (parsed.tm_wday != weekday) {
    return ::testing::AssertionFailure() << "'" << date << "' names the wrong weekday";
  }
  if (std::abs(std::difftime(when, std::time(nullptr))) > 5) {
    return ::testing::AssertionFailure() << "'" << date << "' is not the current time";
  }
  return ::testing::AssertionSuccess();
}

TEST_F(HttpBasicsTest, HealthzAnswersOkAsJson) {
  auto r = get("/healthz");
  ASSERT_TRUE(is_healthy(r));
  EXPECT_EQ(media_type(*r), "application/json");
}

TEST_F(HttpBasicsTest, ReadyzReportsReady) {
  auto r = get("/readyz");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(media_type(*r), "application/json");
  EXPECT_EQ(json_bool_field(r->body, "ready"), true) << describe(*r);
}

TEST_F(HttpBasicsTest, MetricsCountRequestsOfEveryShard) {
  // Separate connections, so that both shards are likely to serve some of them.
  constexpr int kHealthChecks = 6;
  for (int i = 0; i < kHealthChecks; ++i) ASSERT_TRUE(is_healthy(get("/healthz")));

  HttpClient scraper;
  ASSERT_TRUE(scraper.connect(port())) << scraper.error();
  const std::string requests = R"(ringside_http_requests_total{route="/healthz",status="200"})";
  std::optional<HttpResponse> r;
  // Counters may be gathered from the shards a moment later; a scrape is allowed to lag.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  do {
    r = scraper.request("GET", "/metrics");
    ASSERT_TRUE(has_status(r, 200));
    if (metric_value(r->body, requests).value_or(0) >= kHealthChecks) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);

  EXPECT_EQ(r->header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u) << describe(*r);
  EXPECT_EQ(metric_value(r->body, requests), kHealthChecks) << r->body;
  EXPECT_NE(r->body.find("ringside_http_request_duration_seconds_bucket{"), std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find(R"(le="+Inf")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("ringside_http_request_duration_seconds_sum"), std::string::npos);
  EXPECT_NE(r->body.find("ringside_http_request_duration_seconds_count"), std::string::npos);
  auto shard0 = metric_value(r->body, R"(ringside_open_connections{shard="0"})");
  auto shard1 = metric_value(r->body, R"(ringside_open_connections{shard="1"})");
  ASSERT_TRUE(shard0 && shard1) << r->body;
  // At least the scraper's own connection is open.
  EXPECT_GE(*shard0 + *shard1, 1) << r->body;
}

TEST_F(HttpBasicsTest, EveryResponseHasDateAndContentLength) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  const std::vector<std::pair<std::string, std::string>> requests = {{"GET", "/healthz"},
                                                                     {"GET", "/readyz"},
                                                                     {"GET", "/metrics"},
                                                                     {"GET", "/nope"},
                                                                     {"POST", "/healthz"}};
  for (const auto& [method, target] : requests) {
    auto r = client.request(method, target);
    ASSERT_TRUE(r) << method << " " << target << ": " << client.error();
    EXPECT_TRUE(is_current_imf_fixdate(r->header("Date"))) << method << " " << target;
    EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()))
        << method << " " << target << ":\n"
        << describe(*r);
  }
}

TEST_F(HttpBasicsTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  for (int i = 0; i < 5; ++i) {
    auto r = client.request("GET", i % 2 ? "/readyz" : "/healthz");
    ASSERT_TRUE(has_status(r, 200)) << "request " << i << ": " << client.error();
    EXPECT_FALSE(iequals(r->header("Connection"), "close")) << describe(*r);
  }
  EXPECT_FALSE(client.closed_by_peer(200));
}

TEST_F(HttpBasicsTest, ConnectionCloseIsAnsweredThenClosed) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  auto r = client.request("GET", "/healthz", {}, {{"Connection", "close"}});
  ASSERT_TRUE(is_healthy(r)) << client.error();
  EXPECT_TRUE(iequals(r->header("Connection"), "close")) << describe(*r);
  EXPECT_TRUE(client.closed_by_peer(2000));
  EXPECT_EQ(client.unread(), "");
}

TEST_F(HttpBasicsTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw("GET /healthz HTTP/1.0\r\n\r\n")) << client.error();
  auto r = client.read_response();
  ASSERT_TRUE(is_healthy(r)) << client.error();
  EXPECT_FALSE(iequals(r->header("Connection"), "keep-alive")) << describe(*r);
  EXPECT_TRUE(client.closed_by_peer(2000));
}

TEST_F(HttpBasicsTest, Http10WithKeepAliveStaysOpen) {
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  const std::string request = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client.send_raw(request)) << "request " << i << ": " << client.error();
    auto r = client.read_response();
    ASSERT_TRUE(is_healthy(r)) << "request " << i << ": " << client.error();
    // An HTTP/1.0 client only keeps a connection that the answer says is kept.
    EXPECT_TRUE(iequals(r->header("Connection"), "keep-alive")) << describe(*r);
  }
  EXPECT_FALSE(client.closed_by_peer(200));
}

TEST_F(HttpBasicsTest, PipelinedRequestsAreAnsweredInOrder) {
  enum class Kind { kHealthz, kReadyz, kNotFound, kWrongMethod };
  // Slow answers (readyz goes to the I/O thread and back) next to fast ones.
  const std::vector<Kind> kinds = {
      Kind::kReadyz,      Kind::kHealthz,     Kind::kNotFound,    Kind::kReadyz,
      Kind::kWrongMethod, Kind::kHealthz,     Kind::kReadyz,      Kind::kNotFound,
      Kind::kHealthz,     Kind::kWrongMethod, Kind::kReadyz,      Kind::kReadyz,
      Kind::kHealthz,     Kind::kNotFound,    Kind::kWrongMethod, Kind::kHealthz};
  std::string batch;
  for (size_t i = 0; i < kinds.size(); ++i) {
    switch (kinds[i]) {
      case Kind::kHealthz:
        batch += make_request("GET", "/healthz");
        break;
      case Kind::kReadyz:
        batch += make_request("GET", "/readyz");
        break;
      case Kind::kNotFound:
        batch += make_request("GET", "/nope/" + std::to_string(i));
        break;
      case Kind::kWrongMethod:
        batch += make_request(i % 2 ? "DELETE" : "POST", "/healthz");
        break;
    }
  }
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  ASSERT_TRUE(client.send_raw(batch)) << client.error();
  for (size_t i = 0; i < kinds.size(); ++i) {
    auto r = client.read_response();
    ASSERT_TRUE(r) << "response " << i << ": " << client.error();
    switch (kinds[i]) {
      case Kind::kHealthz:
        EXPECT_TRUE(is_healthy(r)) << "response " << i;
        break;
      case Kind::kReadyz:
        EXPECT_TRUE(has_status(r, 200)) << "response " << i;
        EXPECT_EQ(json_bool_field(r->body, "ready"), true) << "response " << i << describe(*r);
        break;
      case Kind::kNotFound:
        EXPECT_TRUE(is_error(r, 404, "not_found")) << "response " << i;
        break;
      case Kind::kWrongMethod:
        EXPECT_TRUE(is_error(r, 405, "method_not_allowed")) << "response " << i;
        break;
    }
  }
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
}

TEST_F(HttpBasicsTest, UnknownPathIsNotFound) {
  EXPECT_TRUE(is_error(get("/no/such/path"), 404, "not_found"));
  EXPECT_TRUE(is_error(get("/healthzz"), 404, "not_found"));
}

TEST_F(HttpBasicsTest, WrongMethodIsNotAllowedAndNamesTheAllowedOnes) {
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"POST", "/healthz"}, {"DELETE", "/readyz"}, {"PUT", "/metrics"}};
  HttpClient client;
  ASSERT_TRUE(client.connect(port())) << client.error();
  for (const auto& [method, target] : requests) {
    auto r = client.request(method, target, "{}");
    ASSERT_TRUE(is_error(r, 405, "method_not_allowed")) << method << " " << target;
    EXPECT_EQ(r->header("Allow"), "GET") << method << " " << target;
  }
  // The connection is still good after the errors.
  EXPECT_TRUE(is_healthy(client.request("GET", "/healthz"))) << client.error();
}

}  // namespace
}  // namespace ringside::itest

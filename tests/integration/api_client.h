#pragma once
// A client of ringside's JSON API for the Sessions API integration tests: one keep-alive
// connection (made again when it was lost), one method per endpoint returning the raw answer,
// and a few steps that do what a browser does (launch, poll until running, stop) and report a
// test failure, with the answer, when the server does not answer as the contract says.
#include <gtest/gtest.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "integration/api_json.h"
#include "integration/http_client.h"

namespace ringside::itest {

inline constexpr std::string_view kOperatorKey = "KEY";

// The body of an answer as JSON (absent when there is no answer or it is not JSON).
Json json_of(const std::optional<HttpResponse>& r);

// The time of an RFC 3339 UTC timestamp written as the contract has it
// ("2025-03-09T10:15:00Z", optionally with fractional seconds); nullopt for anything else.
std::optional<time_t> parse_rfc3339_utc(std::string_view text);
::testing::AssertionResult is_rfc3339_utc(const Json& value);

// The value of one sample line `series value` of Prometheus text, if present.
std::optional<double> metric_value(const std::string& text, const std::string& series);

// Non-empty and made of RFC 3986 unreserved characters only, as ids and tokens must be
// ("safe in a URL").
bool is_url_safe(std::string_view text);

// {"sessionId": id} with id written as a JSON string.
std::string session_body(std::string_view session_id);

class ApiClient {
 public:
  explicit ApiClient(uint16_t port) : port_(port) {}

  // One request with `Authorization: Bearer <bearer>` (none when bearer is empty). Connects
  // first when there is no connection; after a failure the connection is dropped, so the
  // next call starts afresh. nullopt (see error()) when no answer came.
  std::optional<HttpResponse> send(std::string_view method, std::string_view target,
                                   std::string_view body, std::string_view bearer);
  const std::string& error() const { return http_.error(); }

  // ---- one method per endpoint -------------------------------------------------------------
  std::optional<HttpResponse> operator_launch(std::string_view body,
                                              std::string_view key = kOperatorKey);
  std::optional<HttpResponse> refresh(std::string_view token);
  std::optional<HttpResponse> games(std::string_view token);
  std::optional<HttpResponse> game(std::string_view token, std::string_view slug);
  std::optional<HttpResponse> launch(std::string_view token, std::string_view body);
  std::optional<HttpResponse> status(std::string_view token, std::string_view session_id);
  std::optional<HttpResponse> keepalive(std::string_view token, std::string_view session_id);
  std::optional<HttpResponse> stop(std::string_view token, std::string_view session_id);
  std::optional<HttpResponse> sessions(std::string_view token);
  std::optional<HttpResponse> current(std::string_view token);
  // query without '?', e.g. "limit=5"; empty for none.
  std::optional<HttpResponse> history(std::string_view token, std::string_view query = {});
  std::optional<HttpResponse> details(std::string_view token, std::string_view session_id);
  std::optional<HttpResponse> save_slots(std::string_view token, std::string_view query = {});
  std::optional<HttpResponse> metrics();

  // ---- steps that fail the test when the answer is not the expected one ------------------
  // The token of an operator launch for the player (scoped to game unless it is empty); ""
  // after a failure.
  std::string token_for(std::string_view player, std::string_view game = {});
  // The sessionId of a launch answered 202 {"sessionId", "status": "starting"}; "" otherwise.
  std::string launch_accepted(std::string_view token, std::string_view body);
  // Polls session-status every poll_ms while the session is starting and returns the first
  // answer that is not (absent after a failed poll or timeout_ms without a change).
  Json wait_while_starting(std::string_view token, std::string_view session_id,
                           int timeout_ms = 10000, int poll_ms = 20);
  // launch_accepted, then wait_while_starting, expecting `running`; the sessionId or "".
  std::string launch_running(std::string_view token, std::string_view body);
  // A stop answered 200 with status "stopped"; its body (absent after a failure).
  Json stop_ok(std::string_view token, std::string_view session_id);

 private:
  uint16_t port_;
  HttpClient http_;
  bool connected_ = false;
};

}  // namespace ringside::itest

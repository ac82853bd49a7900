#include "integration/api_client.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "integration/http_expect.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out += '"';
}

// Why r is not an answer with that status, for a failure message.
std::string unexpected(const ApiClient& client, const std::optional<HttpResponse>& r, int status) {
  if (!r) return "no answer: " + client.error();
  return has_status(r, status).message();
}

}  // namespace

Json json_of(const std::optional<HttpResponse>& r) { return r ? Json::parse(r->body) : Json(); }

std::optional<time_t> parse_rfc3339_utc(std::string_view text) {
  static const std::regex kFormat(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$)");
  const std::string s(text);
  if (!std::regex_match(s, kFormat)) return std::nullopt;
  std::tm parsed{};
  if (strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &parsed) == nullptr) return std::nullopt;
  return timegm(&parsed);
}

::testing::AssertionResult is_rfc3339_utc(const Json& value) {
  if (value.is_string() && parse_rfc3339_utc(value.str())) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << value.text() << " is not an RFC 3339 UTC time";
}

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

bool is_url_safe(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
  });
}

std::string session_body(std::string_view session_id) {
  return "{\"sessionId\":" + json_string(session_id) + "}";
}

std::optional<HttpResponse> ApiClient::send(std::string_view method, std::string_view target,
                                            std::string_view body, std::string_view bearer) {
  if (!connected_ && !(connected_ = http_.connect(port_))) return std::nullopt;
  HeaderList headers;
  if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(bearer));
  std::optional<HttpResponse> r = http_.request(method, target, body, headers);
  if (!r || iequals(r->header("Connection"), "close")) connected_ = false;
  return r;
}

std::optional<HttpResponse> ApiClient::operator_launch(std::string_view body,
                                                       std::string_view key) {
  return send("POST", "/operator/launch", body, key);
}

std::optional<HttpResponse> ApiClient::refresh(std::string_view token) {
  return send("POST", "/session/refresh", {}, token);
}

std::optional<HttpResponse> ApiClient::games(std::string_view token) {
  return send("GET", "/api/games", {}, token);
}

std::optional<HttpResponse> ApiClient::game(std::string_view token, std::string_view slug) {
  return send("GET", "/api/games/" + std::string(slug), {}, token);
}

std::optional<HttpResponse> ApiClient::launch(std::string_view token, std::string_view body) {
  return send("POST", "/api/game/launch", body, token);
}

std::optional<HttpResponse> ApiClient::status(std::string_view token, std::string_view session_id) {
  return send("GET", "/api/game/session-status?sessionId=" + std::string(session_id), {}, token);
}

std::optional<HttpResponse> ApiClient::keepalive(std::string_view token,
                                                 std::string_view session_id) {
  return send("POST", "/api/game/keepalive", session_body(session_id), token);
}

std::optional<HttpResponse> ApiClient::stop(std::string_view token, std::string_view session_id) {
  return send("POST", "/api/game/stop", session_body(session_id), token);
}

std::optional<HttpResponse> ApiClient::sessions(std::string_view token) {
  return send("GET", "/api/game/sessions", {}, token);
}

std::optional<HttpResponse> ApiClient::current(std::string_view token) {
  return send("POST", "/api/game/current", {}, token);
}

std::optional<HttpResponse> ApiClient::history(std::string_view token, std::string_view query) {
  std::string target = "/api/game/history";
  if (!query.empty()) target.append("?").append(query);
  return send("GET", target, {}, token);
}

std::optional<HttpResponse> ApiClient::details(std::string_view token,
                                               std::string_view session_id) {
  return send("GET", "/api/game/session/" + std::string(session_id), {}, token);
}

std::optional<HttpResponse> ApiClient::save_slots(std::string_view token, std::string_view query) {
  std::string target = "/api/game/save-slots";
  if (!query.empty()) target.append("?").append(query);
  return send("GET", target, {}, token);
}

std::optional<HttpResponse> ApiClient::metrics() { return send("GET", "/metrics", {}, {}); }

std::string ApiClient::token_for(std::string_view player, std::string_view game) {
  std::string body = "{\"playerId\":" + json_string(player);
  if (!game.empty()) body += ",\"gameSlug\":" + json_string(game);
  body += "}";
  auto r = operator_launch(body);
  if (!has_status(r, 200)) {
    ADD_FAILURE() << "operator launch of " << player << ": " << unexpected(*this, r, 200);
    return {};
  }
  std::string token = json_of(r)["sessionToken"].str();
  if (token.empty()) ADD_FAILURE() << "operator launch without a token:\n" << describe(*r);
  return token;
}

std::string ApiClient::launch_accepted(std::string_view token, std::string_view body) {
  auto r = launch(token, body);
  if (!has_status(r, 202)) {
    ADD_FAILURE() << "launch " << body << ": " << unexpected(*this, r, 202);
    return {};
  }
  Json json = json_of(r);
  if (json["status"].str() != "starting" || json["sessionId"].str().empty()) {
    ADD_FAILURE() << "launch answered 202 without {sessionId, status: starting}:\n" << describe(*r);
    return {};
  }
  return json["sessionId"].str();
}

Json ApiClient::wait_while_starting(std::string_view token, std::string_view session_id,
                                    int timeout_ms, int poll_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto r = status(token, session_id);
    if (!has_status(r, 200)) {
      ADD_FAILURE() << "session-status of " << session_id << ": " << unexpected(*this, r, 200);
      return {};
    }
    Json json = json_of(r);
    if (json["status"].str() != "starting") return json;
    if (Clock::now() >= deadline) {
      ADD_FAILURE() << "session " << session_id << " still starting after " << timeout_ms
                    << " ms:\n"
                    << describe(*r);
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
}

std::string ApiClient::launch_running(std::string_view token, std::string_view body) {
  std::string id = launch_accepted(token, body);
  if (id.empty()) return {};
  Json final_status = wait_while_starting(token, id);
  if (final_status["status"].str() != "running") {
    ADD_FAILURE() << "session " << id << " did not run: " << final_status.text();
    return {};
  }
  return id;
}

Json ApiClient::stop_ok(std::string_view token, std::string_view session_id) {
  auto r = stop(token, session_id);
  if (!has_status(r, 200)) {
    ADD_FAILURE() << "stop of " << session_id << ": " << unexpected(*this, r, 200);
    return {};
  }
  Json json = json_of(r);
  if (json["status"].str() != "stopped") {
    ADD_FAILURE() << "stop of " << session_id << " did not answer stopped:\n" << describe(*r);
  }
  return json;
}

}  // namespace ringside::itest

#pragma once
// Checks shared by the HTTP integration tests, written as AssertionResults so a failure shows
// the response that broke the expectation.
#include <gtest/gtest.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "integration/http_client.h"
#include "integration/json_fields.h"

namespace ringside::itest {

inline std::string describe(const HttpResponse& r) {
  std::string text = r.version + " " + std::to_string(r.status) + " " + r.reason + "\n";
  for (const auto& [name, value] : r.headers) text.append(name).append(": ").append(value) += "\n";
  return text.append("\n").append(r.body, 0, 2000);
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// "application/json; charset=utf-8" -> "application/json"
inline std::string media_type(const HttpResponse& r) {
  std::string type = r.header("Content-Type");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  return type;
}

inline ::testing::AssertionResult has_status(const std::optional<HttpResponse>& r, int status) {
  if (!r) return ::testing::AssertionFailure() << "no response";
  if (r->status != status) {
    return ::testing::AssertionFailure() << "expected status " << status << ", got:\n"
                                         << describe(*r);
  }
  return ::testing::AssertionSuccess();
}

// An error answer as the contract has it: the status, a JSON body {"error": code, "message":
// a non-empty sentence}.
inline ::testing::AssertionResult is_error(const std::optional<HttpResponse>& r, int status,
                                           std::string_view code) {
  if (auto ok = has_status(r, status); !ok) return ok;
  if (media_type(*r) != "application/json") {
    return ::testing::AssertionFailure() << "error without a JSON Content-Type:\n" << describe(*r);
  }
  if (json_string_field(r->body, "error") != code) {
    return ::testing::AssertionFailure() << "expected error code '" << code << "', got:\n"
                                         << describe(*r);
  }
  if (json_string_field(r->body, "message").empty()) {
    return ::testing::AssertionFailure() << "error without a message:\n" << describe(*r);
  }
  return ::testing::AssertionSuccess();
}

// GET /healthz answered as it should be: 200 {"status": "ok"}.
inline ::testing::AssertionResult is_healthy(const std::optional<HttpResponse>& r) {
  if (auto ok = has_status(r, 200); !ok) return ok;
  if (json_string_field(r->body, "status") != "ok") {
    return ::testing::AssertionFailure() << "not a healthz answer:\n" << describe(*r);
  }
  return ::testing::AssertionSuccess();
}

// A connection opened (and served) before the bad one sends `bad`; the bad one must get
// `status` with error `code` and be closed, and the first must still be served afterwards.
inline void expect_rejected_without_harm(uint16_t port, std::string_view bad, int status,
                                         std::string_view code) {
  HttpClient bystander;
  ASSERT_TRUE(bystander.connect(port)) << bystander.error();
  ASSERT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();

  HttpClient offender;
  ASSERT_TRUE(offender.connect(port)) << offender.error();
  ASSERT_TRUE(offender.send_raw(bad)) << offender.error();
  auto r = offender.read_response(3000);
  ASSERT_TRUE(r) << offender.error();
  EXPECT_TRUE(is_error(r, status, code));
  EXPECT_TRUE(iequals(r->header("Connection"), "close")) << describe(*r);
  EXPECT_TRUE(offender.closed_by_peer(3000)) << "the connection stayed open";

  EXPECT_TRUE(is_healthy(bystander.request("GET", "/healthz"))) << bystander.error();
}

// Writes `batch` `batches` times without reading any answer, until the deadline or until the
// server closes the connection (then returns true).
inline bool send_without_reading(HttpClient& client, std::string_view batch, int batches,
                                 std::chrono::steady_clock::time_point deadline) {
  using Clock = std::chrono::steady_clock;
  for (int sent_batches = 0; sent_batches < batches && Clock::now() < deadline;) {
    std::string_view rest = batch;
    while (!rest.empty() && Clock::now() < deadline) {
      ssize_t n = ::send(client.fd(), rest.data(), rest.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        rest.remove_prefix(static_cast<size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        pollfd p{client.fd(), POLLOUT, 0};
        ::poll(&p, 1, 100);
      } else {
        return true;  // EPIPE or ECONNRESET: the server closed the connection
      }
    }
    if (rest.empty()) ++sent_batches;
  }
  return false;
}

}  // namespace ringside::itest

#pragma once
// Checks shared by the HTTP integration tests, written as AssertionResults so a failure shows
// the response that broke the expectation.
#include <gtest/gtest.h>
#include <strings.h>

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

}  // namespace ringside::itest

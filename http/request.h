#pragma once
// One parsed HTTP request. Every view points into the connection's receive memory and is
// valid only while the request is being handled.
#include <cstdint>
#include <string_view>

#include "http/router.h"

namespace ringside {

struct Request {
  Method method = Method::kOther;
  std::string_view target;  // as sent: path plus optional ?query
  std::string_view path;
  std::string_view query;          // without the '?'
  std::string_view authorization;  // the Authorization header value, if any
  std::string_view if_none_match;  // the first If-None-Match header value, if any
  std::string_view body;
  bool keep_alive = true;
  uint8_t http_minor = 1;
  uint64_t received_us = 0;  // when the request was complete (reactor clock)
};

}  // namespace ringside

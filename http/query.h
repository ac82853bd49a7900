#pragma once
// Query-string helpers: reading one parameter out of a raw query, and percent-encoding a
// value for a URL we hand out (launchUrl).
#include <optional>
#include <string_view>

#include "core/byte_buffer.h"

namespace ringside {

struct QueryValue {
  std::string_view value;
  bool ok;  // false when the value has a malformed percent escape (then value is empty)
};

// Finds the first `name=value` pair in a raw query string ("a=1&sessionId=s01abc&x", without
// the '?'). Names are compared as received (not decoded). A name without '=' has an empty
// value. The value is a view into `query` unless it contains '%' or '+': then it is decoded
// ('+' is a space) and appended to `scratch`, and the view points there, so it lasts until
// scratch is next written to, including by another find_query_param call with it.
// Returns nullopt when the name is absent.
std::optional<QueryValue> find_query_param(std::string_view query, std::string_view name,
                                           ByteBuffer& scratch);

// Appends s percent-encoded as a URL query value to out: RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~) are kept, every other byte becomes %XX.
void append_url_encoded(ByteBuffer& out, std::string_view s);

}  // namespace ringside

// The query reader and percent decoder (http/query.*): whatever the query string, reading a
// parameter neither crashes nor reads outside its input, a decoded value agrees with a plain
// reference decoder, and encoding any value with append_url_encoded() then reading it back
// gives the value again.
//
// Input: byte 0 is the length of the parameter name (mod 16), the name follows, the rest is
// the query string.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/byte_buffer.h"
#include "http/query.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The obvious decoder, written without regard for speed.
std::optional<std::string> reference_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else if (i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// The raw value of the first pair named `name`, found the obvious way.
std::optional<std::string_view> reference_find(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    if (!pair.empty() && pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (end == query.size()) break;
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t name_len = std::min<size_t>(data[0] % 16, size - 1);
  // Copies, so the sanitizer sees reads past the input's end.
  const std::string name(reinterpret_cast<const char*>(data) + 1, name_len);
  const std::string query(reinterpret_cast<const char*>(data) + 1 + name_len, size - 1 - name_len);

  ringside::ByteBuffer scratch;
  scratch.append("prefix");  // earlier contents must survive a decode
  const auto found = ringside::find_query_param(query, name, scratch);
  const auto expected_raw = reference_find(query, name);
  check(found.has_value() == expected_raw.has_value());
  check(scratch.view().substr(0, 6) == "prefix");
  if (!found) return 0;
  const auto expected = reference_decode(*expected_raw);
  check(found->ok == expected.has_value());
  if (!found->ok) {
    check(found->value.empty());
    return 0;
  }
  check(found->value == *expected);

  // Round trip: any decoded value, encoded for a URL, reads back as itself.
  ringside::ByteBuffer url;
  url.append("x=1&v=");
  ringside::append_url_encoded(url, found->value);
  for (char c : url.view().substr(6)) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || c == '%';
    check(unreserved);
  }
  const std::string value(found->value);
  ringside::ByteBuffer scratch2;
  const auto again = ringside::find_query_param(url.view(), "v", scratch2);
  check(again && again->ok && again->value == value);
  return 0;
}

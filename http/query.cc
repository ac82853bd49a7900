#include "http/query.h"

namespace ringside {
namespace {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Decodes `encoded` onto the end of scratch; leaves scratch as it was if an escape is
// malformed. A decoded value is never longer than its encoding, so one prepare() suffices.
std::optional<std::string_view> percent_decode(std::string_view encoded, ByteBuffer& scratch) {
  char* const begin = scratch.prepare(encoded.size());
  char* p = begin;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      *p++ = ' ';
    } else if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      const int hi = hex_digit_value(encoded[i + 1]);
      const int lo = hex_digit_value(encoded[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      *p++ = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *p++ = c;
    }
  }
  const auto length = static_cast<size_t>(p - begin);
  scratch.commit(length);
  return std::string_view(begin, length);
}

}  // namespace

std::optional<QueryValue> find_query_param(std::string_view query, std::string_view name,
                                           ByteBuffer& scratch) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);

    const size_t eq = pair.find('=');
    if (pair.empty() || pair.substr(0, eq) != name) continue;
    const std::string_view raw =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (raw.find_first_of("%+") == std::string_view::npos) return QueryValue{raw, true};
    const std::optional<std::string_view> decoded = percent_decode(raw, scratch);
    if (!decoded) return QueryValue{{}, false};
    return QueryValue{*decoded, true};
  }
  return std::nullopt;
}

// libcurl's curl_easy_escape would do this, but it returns a malloc'd string per call; these
// few lines write straight into the response buffer.
void append_url_encoded(ByteBuffer& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  char* const begin = out.prepare(3 * s.size());
  char* p = begin;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      *p++ = ch;
    } else {
      p[0] = '%';
      p[1] = kHex[c >> 4];
      p[2] = kHex[c & 0xF];
      p += 3;
    }
  }
  out.commit(static_cast<size_t>(p - begin));
}

}  // namespace ringside

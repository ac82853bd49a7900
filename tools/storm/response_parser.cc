#include "tools/storm/response_parser.h"

#include <algorithm>
#include <charconv>

namespace ringside::storm {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view lowercase) {
  return a.size() == lowercase.size() && std::equal(a.begin(), a.end(), lowercase.begin(),
                                                    [](char x, char y) { return lower(x) == y; });
}

bool icontains_token(std::string_view value, std::string_view lowercase) {
  for (size_t i = 0; i + lowercase.size() <= value.size(); ++i) {
    if (iequals(value.substr(i, lowercase.size()), lowercase)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

template <typename Int>
bool parse_decimal(std::string_view text, Int* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

ParsedResponse invalid() { return {ParseOutcome::kInvalid, 0, {}}; }

}  // namespace

ParsedResponse parse_response(std::string_view data) {
  const size_t head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return data.size() > kMaxResponseHeadBytes ? invalid() : ParsedResponse{};
  }
  const std::string_view head = data.substr(0, head_end);

  // "HTTP/1.1 200 OK": the reason phrase may be empty or missing.
  size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ' ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return invalid();
  }
  ParsedResponse parsed;
  HttpResponseHead& response = parsed.head;
  if (!parse_decimal(status_line.substr(9, 3), &response.status) || response.status < 100) {
    return invalid();
  }

  bool has_length = false;
  size_t length = 0;
  while (line_end != std::string_view::npos) {
    const size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string_view line = head.substr(
        start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return invalid();
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      if (has_length || !parse_decimal(value, &length)) return invalid();
      has_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      return invalid();
    } else if (iequals(name, "retry-after")) {
      if (!parse_decimal(value, &response.retry_after_s)) response.retry_after_s = 0;
    } else if (iequals(name, "connection")) {
      response.close = icontains_token(value, "close");
    }
  }

  const size_t body_start = head_end + 4;
  const bool bodiless = response.status == 204 || response.status == 304;
  if (response.status < 200 || (!has_length && !bodiless)) return invalid();
  if (bodiless) length = 0;
  if (data.size() - body_start < length) return {};
  response.body = data.substr(body_start, length);
  parsed.outcome = ParseOutcome::kComplete;
  parsed.consumed = body_start + length;
  return parsed;
}

}  // namespace ringside::storm

#include "model/identifiers.h"

#include <simdjson.h>
#include <strings.h>

namespace ringside {

bool is_printable_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return false;
    // C1 controls, U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8.
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      return false;
    }
  }
  return simdjson::validate_utf8(s.data(), s.size());
}

bool is_valid_player_id(std::string_view s) {
  return !s.empty() && s.size() <= kMaxPlayerIdBytes && is_printable_utf8(s);
}

bool is_valid_slug(std::string_view s) {
  if (s.empty() || s.size() > kMaxSlugBytes) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool is_valid_lobby_url(std::string_view s) {
  constexpr std::string_view kHttp = "http://", kHttps = "https://";
  auto starts = [s](std::string_view scheme) {
    return s.size() > scheme.size() && strncasecmp(s.data(), scheme.data(), scheme.size()) == 0;
  };
  return s.size() <= kMaxLobbyUrlBytes && (starts(kHttp) || starts(kHttps)) && is_printable_utf8(s);
}

}  // namespace ringside

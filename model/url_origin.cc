#include "model/url_origin.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ringside {
namespace {

constexpr std::string_view kUnparsed = "(unparsed URL)";

bool all_of(std::string_view s, int (*pred)(int), std::string_view also) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return pred(static_cast<unsigned char>(c)) || also.find(c) != std::string_view::npos;
  });
}

}  // namespace

std::string url_origin_for_log(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::string(kUnparsed);
  std::string scheme(url.substr(0, sep));
  if (!std::isalpha(static_cast<unsigned char>(scheme[0])) ||
      !all_of(scheme, std::isalnum, "+-.")) {
    return std::string(kUnparsed);
  }
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view authority = url.substr(sep + 3);
  const size_t end = authority.find_first_of("/?#");
  // An '@' past a '/' (before any query): a password with a '/' in it, perhaps; the authority
  // cannot be told from it, so none of it is shown.
  if (end != std::string_view::npos && authority[end] == '/' &&
      authority.substr(end, authority.find_first_of("?#", end) - end).find('@') !=
          std::string_view::npos) {
    return std::string(kUnparsed);
  }
  authority = authority.substr(0, end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  // host[:port], the host an IPv6 literal in brackets or a name / IPv4 address. Anything else
  // (a password with a '/' in it cuts the authority short, say) is not shown at all.
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string(kUnparsed);
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::string(kUnparsed);
      port = after.substr(1);
    }
    if (!all_of(host.substr(1, host.size() - 2), std::isxdigit, ":.")) {
      return std::string(kUnparsed);
    }
  } else {
    if (size_t colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty() || !all_of(host, std::isalnum, "-._")) return std::string(kUnparsed);
  }
  if (!all_of(port, std::isdigit, "")) return std::string(kUnparsed);
  if (port.empty()) port = scheme == "https" ? "443" : scheme == "http" ? "80" : "";
  std::string out = std::move(scheme);
  out.append("://").append(host);
  if (!port.empty()) out.append(":").append(port);
  return out;
}

}  // namespace ringside

#include "http/peer_response.h"

#include <strings.h>

#include <charconv>

namespace ringside {
namespace {

constexpr size_t kMaxHeadBytes = 8192;

bool name_is(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         strncasecmp(line.data(), name.data(), name.size()) == 0;
}

std::string_view value_of(std::string_view line, size_t name_size) {
  std::string_view v = line.substr(name_size + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

}  // namespace

PeerParse parse_peer_response(std::string_view in, PeerResponse* out) {
  const size_t head_end = in.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    return in.size() > kMaxHeadBytes ? PeerParse::kError : PeerParse::kNeedMore;
  }
  // Also when it came whole: a head refused in pieces must not be taken in one read.
  if (head_end + 4 > kMaxHeadBytes) return PeerParse::kError;
  std::string_view head = in.substr(0, head_end + 2);
  // "HTTP/1.1 200 OK\r\n"
  if (head.size() < 14 || head.substr(0, 9) != "HTTP/1.1 ") return PeerParse::kError;
  uint16_t status = 0;
  auto [p, ec] = std::from_chars(head.data() + 9, head.data() + 12, status);
  if (ec != std::errc() || p != head.data() + 12 || status < 100 || head[12] != ' ') {
    return PeerParse::kError;
  }
  bool close = false;
  bool has_length = false;
  uint64_t length = 0;
  size_t pos = head.find("\r\n") + 2;
  while (pos < head.size()) {
    const size_t eol = head.find("\r\n", pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 2;
    if (name_is(line, "content-length")) {
      std::string_view v = value_of(line, 14);
      auto r = std::from_chars(v.data(), v.data() + v.size(), length);
      if (has_length || r.ec != std::errc() || r.ptr != v.data() + v.size() || v.empty()) {
        return PeerParse::kError;
      }
      has_length = true;
    } else if (name_is(line, "transfer-encoding")) {
      return PeerParse::kError;
    } else if (name_is(line, "connection")) {
      std::string_view v = value_of(line, 10);
      close = v.size() == 5 && strncasecmp(v.data(), "close", 5) == 0;
    }
  }
  if (!has_length || length > kMaxPeerResponseBytes) return PeerParse::kError;
  const size_t body_start = head_end + 4;
  if (in.size() - body_start < length) return PeerParse::kNeedMore;
  out->status = status;
  out->close = close;
  out->body = in.substr(body_start, length);
  out->size = body_start + length;
  return PeerParse::kDone;
}

}  // namespace ringside

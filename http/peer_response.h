#pragma once
// Reads one HTTP/1.1 response off a connection to another ringside node (http/peer_connection.h).
// The peer is ringside, which always frames a body with Content-Length, so that is the only
// framing read: a response without it (or chunked) is refused, and so is one over kMaxBytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringside {

struct PeerResponse {
  uint16_t status = 0;
  bool close = false;  // "Connection: close": nothing after this response will be answered
  std::string_view body;
  size_t size = 0;  // bytes of the whole response (status line to body end)
};

enum class PeerParse : uint8_t { kNeedMore, kDone, kError };

inline constexpr size_t kMaxPeerResponseBytes = size_t{4} << 20;

// Parses the response at the start of `in`. kDone fills `out` (views into `in`).
PeerParse parse_peer_response(std::string_view in, PeerResponse* out);

}  // namespace ringside

#pragma once
// Splits HTTP/1.1 responses off the front of a receive buffer. Only what storm needs is read:
// the status, Content-Length (ringside always sends one), Retry-After and Connection: close.
// Responses without a length (chunked, or bodies that run to the end of the connection) are
// reported as unsupported rather than guessed at.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringside::storm {

struct HttpResponseHead {
  int status = 0;
  std::string_view body;       // a view into the parsed buffer
  uint32_t retry_after_s = 0;  // 0 when absent or not a number of seconds
  bool close = false;          // "Connection: close": the server ends the connection after it
};

enum class ParseOutcome : uint8_t { kIncomplete, kComplete, kInvalid };

struct ParsedResponse {
  ParseOutcome outcome = ParseOutcome::kIncomplete;
  size_t consumed = 0;  // bytes of `data` this response took (kComplete only)
  HttpResponseHead head;
};

// A header block longer than this without its blank line ends the connection as invalid.
inline constexpr size_t kMaxResponseHeadBytes = size_t{64} * 1024;

// Parses the response at the start of `data`.
ParsedResponse parse_response(std::string_view data);

}  // namespace ringside::storm

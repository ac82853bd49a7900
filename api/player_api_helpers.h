#pragma once
// Small helpers the player API's files share.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "http/reply.h"

namespace ringside {

// A configured duration in seconds, as milliseconds.
inline int64_t seconds(double s) { return static_cast<int64_t>(std::llround(s * 1000)); }

inline void retry_after(Reply& reply, uint32_t secs) {
  char num[12];
  auto r = std::to_chars(num, num + sizeof num, secs);
  reply.add_header("Retry-After", std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

}  // namespace ringside

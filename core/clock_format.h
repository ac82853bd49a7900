#pragma once
// Fixed-width UTC time formats from Unix seconds, by calendar arithmetic only: no gmtime_r, no
// locale, no timezone database, so they are thread-safe and never allocate.
#include <cstddef>
#include <cstdint>

namespace ringside {

inline constexpr size_t kRfc3339Length = 20;   // "2025-03-09T10:15:00Z"
inline constexpr size_t kHttpDateLength = 29;  // "Sun, 09 Mar 2025 10:15:00 GMT"

// Both formats have a four-digit year, so instants before 0000-01-01T00:00:00Z or after
// 9999-12-31T23:59:59Z are clamped to those bounds to keep the width fixed.

// Writes "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) to out; returns kRfc3339Length.
size_t format_rfc3339(int64_t unix_seconds, char out[kRfc3339Length]);

// Writes the IMF-fixdate of RFC 9110 ("Sun, 09 Mar 2025 10:15:00 GMT") for the Date header;
// returns kHttpDateLength.
size_t format_http_date(int64_t unix_seconds, char out[kHttpDateLength]);

}  // namespace ringside

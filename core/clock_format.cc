#include "core/clock_format.h"

#include <algorithm>

namespace ringside {
namespace {

constexpr int64_t kSecondsPerDay = 86400;
// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds (proleptic Gregorian).
constexpr int64_t kMinSeconds = -62167219200;
constexpr int64_t kMaxSeconds = 253402300799;

struct CivilTime {
  int64_t year;
  unsigned month;    // 1..12
  unsigned day;      // 1..31
  unsigned weekday;  // 0 = Sunday
  unsigned hour, minute, second;
};

// Howard Hinnant's civil_from_days: days since 1970-01-01 to a proleptic Gregorian date,
// counting in 400-year eras that start on March 1st so that leap days fall at the era's end.
CivilTime to_civil(int64_t unix_seconds) {
  unix_seconds = std::clamp(unix_seconds, kMinSeconds, kMaxSeconds);
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t secs = unix_seconds % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  CivilTime t{};
  t.hour = static_cast<unsigned>(secs / 3600);
  t.minute = static_cast<unsigned>(secs / 60 % 60);
  t.second = static_cast<unsigned>(secs % 60);
  // 1970-01-01 was a Thursday (4).
  t.weekday = static_cast<unsigned>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);

  const int64_t z = days + 719468;  // days since 0000-03-01
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                                     // [0, 11], 0 = March
  t.day = doy - (153 * mp + 2) / 5 + 1;
  t.month = mp < 10 ? mp + 3 : mp - 9;
  t.year = static_cast<int64_t>(yoe) + era * 400 + (t.month <= 2 ? 1 : 0);
  return t;
}

char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

char* put4(char* p, int64_t year) {
  const auto v = static_cast<unsigned>(year);  // clamped to [0, 9999]
  p = put2(p, v / 100);
  return put2(p, v % 100);
}

char* put_literal(char* p, const char* s, size_t n) {
  std::copy(s, s + n, p);
  return p + n;
}

}  // namespace

size_t format_rfc3339(int64_t unix_seconds, char out[kRfc3339Length]) {
  const CivilTime t = to_civil(unix_seconds);
  char* p = put4(out, t.year);
  *p++ = '-';
  p = put2(p, t.month);
  *p++ = '-';
  p = put2(p, t.day);
  *p++ = 'T';
  p = put2(p, t.hour);
  *p++ = ':';
  p = put2(p, t.minute);
  *p++ = ':';
  p = put2(p, t.second);
  *p = 'Z';
  return kRfc3339Length;
}

size_t format_http_date(int64_t unix_seconds, char out[kHttpDateLength]) {
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const CivilTime t = to_civil(unix_seconds);
  char* p = put_literal(out, kDays + size_t{3} * t.weekday, 3);
  p = put_literal(p, ", ", 2);
  p = put2(p, t.day);
  *p++ = ' ';
  p = put_literal(p, kMonths + size_t{3} * (t.month - 1), 3);
  *p++ = ' ';
  p = put4(p, t.year);
  *p++ = ' ';
  p = put2(p, t.hour);
  *p++ = ':';
  p = put2(p, t.minute);
  *p++ = ':';
  p = put2(p, t.second);
  put_literal(p, " GMT", 4);
  return kHttpDateLength;
}

}  // namespace ringside

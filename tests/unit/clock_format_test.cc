#include "core/clock_format.h"

#include <gtest/gtest.h>

#include <array>
#include <ctime>
#include <random>
#include <string>

namespace ringside {
namespace {

std::string rfc3339(int64_t t) {
  std::array<char, kRfc3339Length> buf{};
  const size_t n = format_rfc3339(t, buf.data());
  return {buf.data(), n};
}

std::string http_date(int64_t t) {
  std::array<char, kHttpDateLength> buf{};
  const size_t n = format_http_date(t, buf.data());
  return {buf.data(), n};
}

std::string strftime_utc(int64_t t, const char* format) {
  const auto tt = static_cast<time_t>(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  std::array<char, 64> buf{};
  const size_t n = std::strftime(buf.data(), buf.size(), format, &tm);
  return {buf.data(), n};
}

TEST(ClockFormat, Epoch) {
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(ClockFormat, SpecExample) {
  EXPECT_EQ(rfc3339(1741515300), "2025-03-09T10:15:00Z");
  EXPECT_EQ(http_date(1741515300), "Sun, 09 Mar 2025 10:15:00 GMT");
}

TEST(ClockFormat, LeapDayIn2000DivisibleBy400) {
  EXPECT_EQ(rfc3339(951782400), "2000-02-29T00:00:00Z");
  EXPECT_EQ(http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
  EXPECT_EQ(rfc3339(951868800), "2000-03-01T00:00:00Z");
}

TEST(ClockFormat, LeapDayIn2024) {
  EXPECT_EQ(rfc3339(1709164800), "2024-02-29T00:00:00Z");
  EXPECT_EQ(http_date(1709251199), "Thu, 29 Feb 2024 23:59:59 GMT");
  EXPECT_EQ(rfc3339(1709251200), "2024-03-01T00:00:00Z");
}

TEST(ClockFormat, NoLeapDayIn2100) {
  // 2100-02-28T23:59:59Z, and one second later it is already March.
  EXPECT_EQ(rfc3339(4107542399), "2100-02-28T23:59:59Z");
  EXPECT_EQ(rfc3339(4107542400), "2100-03-01T00:00:00Z");
  EXPECT_EQ(http_date(4107542400), "Mon, 01 Mar 2100 00:00:00 GMT");
}

TEST(ClockFormat, EndOfYear) {
  EXPECT_EQ(rfc3339(1735689599), "2024-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(1735689600), "2025-01-01T00:00:00Z");
}

TEST(ClockFormat, BeforeEpoch) {
  EXPECT_EQ(rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
  EXPECT_EQ(rfc3339(int64_t{-86400} * 365), "1969-01-01T00:00:00Z");
}

TEST(ClockFormat, ClampsToFourDigitYears) {
  EXPECT_EQ(rfc3339(253402300799), "9999-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(253402300800), "9999-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(INT64_MAX), "9999-12-31T23:59:59Z");
  EXPECT_EQ(rfc3339(-62167219200), "0000-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(INT64_MIN), "0000-01-01T00:00:00Z");
  EXPECT_EQ(http_date(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST(ClockFormat, MatchesGmtimeOverRandomInstants) {
  std::mt19937_64 rng(20250309);
  // 1900..2400 covers the 100- and 400-year leap rules on both sides of the epoch.
  std::uniform_int_distribution<int64_t> instant(-2208988800, 13569465600);
  for (int i = 0; i < 20000; ++i) {
    const int64_t t = instant(rng);
    ASSERT_EQ(rfc3339(t), strftime_utc(t, "%Y-%m-%dT%H:%M:%SZ")) << t;
    ASSERT_EQ(http_date(t), strftime_utc(t, "%a, %d %b %Y %H:%M:%S GMT")) << t;
  }
}

TEST(ClockFormat, MatchesGmtimeOnEveryDayBoundaryAroundEpoch) {
  for (int64_t day = -800; day <= 800; ++day) {
    for (const int64_t offset : {int64_t{0}, int64_t{86399}}) {
      const int64_t t = day * 86400 + offset;
      ASSERT_EQ(http_date(t), strftime_utc(t, "%a, %d %b %Y %H:%M:%S GMT")) << t;
    }
  }
}

}  // namespace
}  // namespace ringside

#include "tools/storm/arrivals.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace ringside::storm {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;

uint64_t due_within(const ArrivalSchedule& s, uint64_t until_ns) {
  uint64_t n = 0;
  while (s.due_ns(n) < until_ns) ++n;
  return n;
}

TEST(StormArrivals, ConstantRateSpacesLaunchesEvenly) {
  const auto s = ArrivalSchedule::constant(200);
  EXPECT_EQ(s.due_ns(0), 0u);
  EXPECT_EQ(s.due_ns(1), 5'000'000u);
  EXPECT_EQ(s.due_ns(200), kSecond);
  EXPECT_EQ(due_within(s, 10 * kSecond), 2000u);
  EXPECT_EQ(s.rate_at(3), 200);
}

TEST(StormArrivals, BurstMakesEveryLaunchDueAtOnce) {
  const auto s = ArrivalSchedule::burst();
  for (uint64_t n : {0, 1, 999, 1'000'000}) EXPECT_EQ(s.due_ns(n), 0u);
}

TEST(StormArrivals, RampOffersTheAreaUnderTheRateThenTheFinalRate) {
  const auto s = ArrivalSchedule::ramp(10, 110, 10);  // 600 launches in the first 10 s
  EXPECT_EQ(s.due_ns(0), 0u);
  EXPECT_NEAR(static_cast<double>(due_within(s, 10 * kSecond)), 600, 1);
  EXPECT_NEAR(static_cast<double>(due_within(s, 5 * kSecond)), 10 * 5 + 10.0 * 25 / 2, 1);
  EXPECT_NEAR(static_cast<double>(due_within(s, 12 * kSecond)), 600 + 220, 1);
  EXPECT_DOUBLE_EQ(s.rate_at(0), 10);
  EXPECT_DOUBLE_EQ(s.rate_at(5), 60);
  EXPECT_DOUBLE_EQ(s.rate_at(20), 110);
  for (uint64_t n = 1; n < 1000; ++n) EXPECT_LT(s.due_ns(n - 1), s.due_ns(n)) << n;
}

TEST(StormArrivals, RampFromZeroAndDownToZero) {
  const auto up = ArrivalSchedule::ramp(0, 100, 10);  // 500 launches in 10 s
  EXPECT_EQ(up.due_ns(0), 0u);
  EXPECT_NEAR(static_cast<double>(due_within(up, 10 * kSecond)), 500, 1);

  const auto down = ArrivalSchedule::ramp(100, 0, 10);  // 500 launches, then none
  EXPECT_NEAR(static_cast<double>(due_within(down, 5 * kSecond)), 375, 1);
  EXPECT_LE(down.due_ns(500), 10 * kSecond);
  EXPECT_EQ(down.due_ns(501), UINT64_MAX);
}

TEST(StormArrivals, ParsesRamps) {
  auto r = parse_ramp("10:500:60");
  ASSERT_TRUE(r.has_value());
  EXPECT_DOUBLE_EQ(r->rate_at(0), 10);
  EXPECT_DOUBLE_EQ(r->rate_at(60), 500);
  EXPECT_DOUBLE_EQ(r->ramp_seconds(), 60);
  EXPECT_TRUE(parse_ramp("0:1.5:0.5").has_value());
  for (const char* bad : {"", "10", "10:500", "10:500:0", "0:0:10", "-1:5:10", "a:b:c",
                          "10:500:60:1", "10::60", "10:500:-1", "1e3:5:10"}) {
    EXPECT_FALSE(parse_ramp(bad).has_value()) << bad;
  }
}

TEST(StormArrivals, ParsesRates) {
  EXPECT_DOUBLE_EQ(*parse_launch_rate("250"), 250);
  EXPECT_DOUBLE_EQ(*parse_launch_rate("0.5"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_launch_rate("250/s"), 250);
  EXPECT_DOUBLE_EQ(*parse_launch_rate("600/min"), 10);
  EXPECT_DOUBLE_EQ(*parse_launch_rate("3600/h"), 1);
  for (const char* bad : {"", "0", "-5", "+5", "5/d", "fast", "inf", "0/s"}) {
    EXPECT_FALSE(parse_launch_rate(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ringside::storm

#include "tools/storm/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace ringside::storm {
namespace {

constexpr uint64_t kMicrosecond = 1'000;  // values are nanoseconds
constexpr uint64_t kHundredSeconds = 100'000'000'000;

// Percentiles in hundredths of a percent, so exact ranks need no floating point.
constexpr uint64_t kPercentiles[] = {1, 100, 1000, 2500, 5000, 7500, 9000, 9900, 9990, 9999};

// The sample of rank ceil(p * n) in ascending order.
uint64_t exact_percentile(const std::vector<uint64_t>& sorted, uint64_t hundredths) {
  const uint64_t rank = std::max<uint64_t>(1, (hundredths * sorted.size() + 9999) / 10000);
  return sorted[rank - 1];
}

void expect_within_one_percent(uint64_t actual, uint64_t exact) {
  EXPECT_LE(std::abs(static_cast<double>(actual) - static_cast<double>(exact)),
            0.01 * static_cast<double>(exact))
      << "actual " << actual << " exact " << exact;
}

std::vector<uint64_t> log_uniform_samples(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(std::log(1e3), std::log(1e11));
  std::vector<uint64_t> samples(count);
  for (auto& s : samples) s = static_cast<uint64_t>(std::exp(exponent(rng)));
  return samples;
}

TEST(StormHistogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.mean(), 0);
}

TEST(StormHistogram, PercentilesWithinOnePercentFromOneMicrosecondToHundredSeconds) {
  std::vector<uint64_t> samples = log_uniform_samples(200'000, 7);
  samples.push_back(kMicrosecond);
  samples.push_back(kHundredSeconds);
  Histogram h;
  for (uint64_t s : samples) h.record(s);
  std::sort(samples.begin(), samples.end());

  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.min(), kMicrosecond);
  EXPECT_EQ(h.max(), kHundredSeconds);
  for (uint64_t p : kPercentiles) {
    SCOPED_TRACE(p);
    expect_within_one_percent(h.percentile(static_cast<double>(p) / 100),
                              exact_percentile(samples, p));
  }
  EXPECT_EQ(h.percentile(0), kMicrosecond);
  EXPECT_EQ(h.percentile(100), kHundredSeconds);
}

TEST(StormHistogram, EveryMagnitudeIsReportedWithinOnePercent) {
  // A value that is neither the minimum nor the maximum is reported as its bucket's
  // representative, so this measures the bucket error at every scale of the range.
  for (double v = 1e3; v <= 1e11; v *= 1.0137) {
    const auto value = static_cast<uint64_t>(v);
    Histogram h;
    h.record(1);
    h.record(value);
    h.record(value * 3);
    expect_within_one_percent(h.percentile(50), value);
  }
}

TEST(StormHistogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 200; ++v) h.record(v);
  for (uint64_t p = 1; p <= 100; ++p) {
    EXPECT_EQ(h.percentile(static_cast<double>(p)), (p * 200 + 99) / 100 - 1) << p;
  }
}

TEST(StormHistogram, NinetyNinePointNineOfAThousandIsRankNineHundredNinetyNine) {
  Histogram h;
  for (uint64_t v = 1; v <= 1000; ++v) h.record(v * 1000);
  expect_within_one_percent(h.percentile(99.9), 999'000);
  EXPECT_LT(h.percentile(99.9), 1'000'000u);
}

TEST(StormHistogram, RecordWithCountEqualsRepeatedRecords) {
  Histogram once;
  Histogram repeated;
  once.record(12345, 5);
  once.record(777);
  for (int i = 0; i < 5; ++i) repeated.record(12345);
  repeated.record(777);
  EXPECT_EQ(once.count(), 6u);
  for (double p : {10.0, 20.0, 50.0, 90.0}) EXPECT_EQ(once.percentile(p), repeated.percentile(p));
  EXPECT_EQ(once.min(), 777u);
  EXPECT_EQ(once.max(), 12345u);
  EXPECT_DOUBLE_EQ(once.mean(), (5.0 * 12345 + 777) / 6);
}

TEST(StormHistogram, MergeEqualsRecordingEverythingInOne) {
  const std::vector<uint64_t> fast = log_uniform_samples(50'000, 1);
  std::vector<uint64_t> slow = log_uniform_samples(20'000, 2);
  for (auto& s : slow) s = std::min(kHundredSeconds, s * 50);
  Histogram a;
  Histogram b;
  Histogram all;
  for (uint64_t s : fast) a.record(s), all.record(s);
  for (uint64_t s : slow) b.record(s), all.record(s);
  a.merge(b);

  std::vector<uint64_t> sorted = fast;
  sorted.insert(sorted.end(), slow.begin(), slow.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(a.count(), sorted.size());
  EXPECT_EQ(a.min(), sorted.front());
  EXPECT_EQ(a.max(), sorted.back());
  for (uint64_t p : kPercentiles) {
    SCOPED_TRACE(p);
    EXPECT_EQ(a.percentile(static_cast<double>(p) / 100),
              all.percentile(static_cast<double>(p) / 100));
    expect_within_one_percent(a.percentile(static_cast<double>(p) / 100),
                              exact_percentile(sorted, p));
  }
}

TEST(StormHistogram, MergingAnEmptyHistogramChangesNothing) {
  Histogram h;
  h.record(5000);
  h.record(9000);
  h.merge(Histogram());
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.min(), 5000u);
  EXPECT_EQ(h.max(), 9000u);

  Histogram empty;
  empty.merge(h);
  EXPECT_EQ(empty.count(), 2u);
  EXPECT_EQ(empty.min(), 5000u);
}

TEST(StormHistogram, HoldsTheLargestValues) {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(UINT64_MAX / 3);
  h.record(1);
  EXPECT_EQ(h.max(), UINT64_MAX);
  expect_within_one_percent(h.percentile(50), UINT64_MAX / 3);
}

}  // namespace
}  // namespace ringside::storm

#include "sched/resource_profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ringside {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTenMinutes = 600;
constexpr ProfileBound kNoBound{};

// A game's configured default before any session of it has ended.
ResourceProfile configured_default() { return {1.0, 512, 0, 0}; }

ProfileSample ran(double cpu_seconds, double running_seconds, double peak_memory_mb) {
  return {cpu_seconds, running_seconds, peak_memory_mb};
}

TEST(ResourceProfile, FirstSampleReplacesTheDefault) {
  ResourceProfile p = configured_default();
  EXPECT_TRUE(update(p, ran(1200, kTenMinutes, 1000), kNoBound));
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000);
  EXPECT_EQ(p.cpu_samples, 1u);
  EXPECT_EQ(p.memory_samples, 1u);
}

TEST(ResourceProfile, LaterSamplesOfTenMinutesMoveByAlpha) {
  ResourceProfile p = configured_default();
  update(p, ran(1200, kTenMinutes, 1000), kNoBound);
  update(p, ran(600, kTenMinutes, 2000), kNoBound);  // default alpha 0.2
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.8);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1200);
  update(p, ran(0, 2 * kTenMinutes, 1200), kNoBound, /*alpha=*/0.5);  // longer: no more weight
  EXPECT_DOUBLE_EQ(p.cpu_cores, 0.9);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1200);
  EXPECT_EQ(p.cpu_samples, 3u);
}

TEST(ResourceProfile, ShorterSamplesWeighInProportionToTheirRunningTime) {
  ResourceProfile p = configured_default();
  update(p, ran(1200, kTenMinutes, 1000), kNoBound);
  // A minute: a tenth of alpha.
  update(p, ran(60, 60, 2000), kNoBound);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0 + 0.02 * (1.0 - 2.0));
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000 + 0.02 * 1000);
}

TEST(ResourceProfile, ASessionStoppedRightAfterItRanTeachesNothing) {
  ResourceProfile p = configured_default();
  // 0.21 s of CPU in 20 ms of running: "10 cores".
  EXPECT_FALSE(update(p, ran(0.21, 0.02, 30), kNoBound));
  EXPECT_FALSE(update(p, ran(19, kMinSampleSeconds - 0.1, 30), kNoBound));
  EXPECT_FALSE(update(p, ran(5, 0, 30), kNoBound));
  EXPECT_FALSE(update(p, ran(5, kNaN, 30), kNoBound));
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 512);
  EXPECT_EQ(p.cpu_samples, 0u);
  EXPECT_EQ(p.memory_samples, 0u);

  EXPECT_TRUE(update(p, ran(10, kMinSampleSeconds, 30), kNoBound));
  EXPECT_DOUBLE_EQ(p.cpu_cores, 0.5);
  EXPECT_DOUBLE_EQ(p.memory_mb, 30);
}

TEST(ResourceProfile, LearntFiguresNeverExceedTheBound) {
  ResourceProfile p = configured_default();
  const ProfileBound largest_server{2.0, 4096};
  EXPECT_TRUE(update(p, ran(6000, kTenMinutes, 100'000), largest_server));
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 4096);
  update(p, ran(600, kTenMinutes, 1000), largest_server);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.8);  // moves from the bound, not from 10 cores
  EXPECT_DOUBLE_EQ(p.memory_mb, 0.8 * 4096 + 0.2 * 1000);
}

TEST(ResourceProfile, BoundCutsLearntFiguresAndLeavesConfiguredDefaultsAlone) {
  const ProfileBound largest_server{2.0, 4096};
  ResourceProfile declared{8.0, 64'000, 0, 0};
  EXPECT_FALSE(bound(declared, largest_server));
  EXPECT_DOUBLE_EQ(declared.cpu_cores, 8.0);
  EXPECT_DOUBLE_EQ(declared.memory_mb, 64'000);

  // Learnt by an older version and read back from the database.
  ResourceProfile poisoned{10.4, 100, 1, 3};
  EXPECT_TRUE(bound(poisoned, largest_server));
  EXPECT_DOUBLE_EQ(poisoned.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(poisoned.memory_mb, 100);
  EXPECT_EQ(poisoned.cpu_samples, 1u);
  EXPECT_FALSE(bound(poisoned, largest_server));
}

TEST(ResourceProfile, ConvergesOnARepeatedSample) {
  ResourceProfile p = configured_default();
  update(p, ran(600, kTenMinutes, 100), kNoBound);
  for (int i = 0; i < 100; ++i) update(p, ran(2400, kTenMinutes, 4000), kNoBound);
  EXPECT_NEAR(p.cpu_cores, 4.0, 1e-6);
  EXPECT_NEAR(p.memory_mb, 4000, 1e-6);
}

TEST(ResourceProfile, UnknownFiguresLeaveTheProfileUnchanged) {
  ResourceProfile p = configured_default();
  update(p, ran(1200, kTenMinutes, 1000), kNoBound);
  EXPECT_FALSE(update(p, ran(kNaN, kNaN, kNaN), kNoBound));
  EXPECT_FALSE(update(p, ran(kNaN, kTenMinutes, kNaN), kNoBound));
  EXPECT_FALSE(update(p, ran(-5, kTenMinutes, -1), kNoBound));
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(update(p, ran(inf, kTenMinutes, inf), kNoBound));
  EXPECT_FALSE(update(p, ran(60, inf, 100), kNoBound));
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000);
  EXPECT_EQ(p.cpu_samples, 1u);
  EXPECT_EQ(p.memory_samples, 1u);
}

TEST(ResourceProfile, AKnownFigureCountsWhenTheOtherIsUnknown) {
  ResourceProfile p = configured_default();
  update(p, ran(kNaN, kTenMinutes, 2000), kNoBound);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 2000);
  update(p, ran(1800, kTenMinutes, kNaN), kNoBound);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 3.0);  // still the first CPU sample: replaces the default
  EXPECT_DOUBLE_EQ(p.memory_mb, 2000);
}

}  // namespace
}  // namespace ringside

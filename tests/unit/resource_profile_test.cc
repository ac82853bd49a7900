#include "sched/resource_profile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ringside {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A game's configured default before any session of it has ended.
ResourceProfile configured_default() { return {1.0, 512, 0, 0}; }

TEST(ResourceProfile, FirstSampleReplacesTheDefault) {
  ResourceProfile p = configured_default();
  update(p, /*cpu_seconds=*/120, /*duration_seconds=*/60, /*peak_memory_mb=*/1000);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000);
  EXPECT_EQ(p.cpu_samples, 1u);
  EXPECT_EQ(p.memory_samples, 1u);
}

TEST(ResourceProfile, LaterSamplesMoveByAlpha) {
  ResourceProfile p = configured_default();
  update(p, 120, 60, 1000);
  update(p, 60, 60, 2000);  // default alpha 0.2
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.8);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1200);
  update(p, 0, 60, 1200, /*alpha=*/0.5);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 0.9);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1200);
  EXPECT_EQ(p.cpu_samples, 3u);
}

TEST(ResourceProfile, ConvergesOnARepeatedSample) {
  ResourceProfile p = configured_default();
  update(p, 60, 60, 100);
  for (int i = 0; i < 100; ++i) update(p, 240, 60, 4000);
  EXPECT_NEAR(p.cpu_cores, 4.0, 1e-6);
  EXPECT_NEAR(p.memory_mb, 4000, 1e-6);
}

TEST(ResourceProfile, UnknownFiguresLeaveTheProfileUnchanged) {
  ResourceProfile p = configured_default();
  update(p, 120, 60, 1000);
  update(p, kNaN, kNaN, kNaN);
  update(p, kNaN, 60, kNaN);
  update(p, 60, kNaN, kNaN);
  update(p, -5, 60, -1);
  update(p, std::numeric_limits<double>::infinity(), 60, std::numeric_limits<double>::infinity());
  EXPECT_DOUBLE_EQ(p.cpu_cores, 2.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 1000);
  EXPECT_EQ(p.cpu_samples, 1u);
  EXPECT_EQ(p.memory_samples, 1u);
}

TEST(ResourceProfile, AKnownFigureCountsWhenTheOtherIsUnknown) {
  ResourceProfile p = configured_default();
  update(p, kNaN, 60, 2000);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.0);
  EXPECT_DOUBLE_EQ(p.memory_mb, 2000);
  update(p, 180, 60, kNaN);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 3.0);  // still the first CPU sample: replaces the default
  EXPECT_DOUBLE_EQ(p.memory_mb, 2000);
}

TEST(ResourceProfile, ZeroDurationIgnoresTheCpuFigure) {
  ResourceProfile p = configured_default();
  update(p, 5, 0, 700);
  EXPECT_DOUBLE_EQ(p.cpu_cores, 1.0);
  EXPECT_EQ(p.cpu_samples, 0u);
  EXPECT_DOUBLE_EQ(p.memory_mb, 700);
}

}  // namespace
}  // namespace ringside

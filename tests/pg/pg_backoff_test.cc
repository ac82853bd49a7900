#include "store/pg/pg_backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace ringside {
namespace {

TEST(PgBackoff, DoublesUpToTheMaximumWithJitterInTheUpperHalf) {
  PgBackoff backoff(100, 1000, /*seed=*/42);
  const uint64_t steps[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (uint64_t step : steps) {
    uint64_t delay = backoff.next();
    EXPECT_GE(delay, step / 2);
    EXPECT_LE(delay, step);
  }
  EXPECT_EQ(backoff.failures(), 7u);
}

TEST(PgBackoff, ResetStartsFromTheInitialDelay) {
  PgBackoff backoff(100, 1000, 7);
  for (int i = 0; i < 10; ++i) backoff.next();
  backoff.reset();
  EXPECT_LE(backoff.next(), 100u);
}

TEST(PgBackoff, NodesWithOtherSeedsSpreadOut) {
  std::set<uint64_t> delays;
  for (uint64_t seed = 0; seed < 20; ++seed) delays.insert(PgBackoff(1000, 5000, seed).next());
  EXPECT_GT(delays.size(), 10u);
}

TEST(PgBackoff, ManyFailuresStayAtTheMaximum) {
  PgBackoff backoff(1, 5000, 3);
  for (int i = 0; i < 200; ++i) EXPECT_LE(backoff.next(), 5000u);
}

}  // namespace
}  // namespace ringside

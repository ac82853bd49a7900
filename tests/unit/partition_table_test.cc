// The partition gate's lease (docs/cluster.md, "A partition on its shard"): a cluster node
// answers for a partition only before its lease's deadline, judged by the time of the request,
// not by the loop iteration's cached clock, which a stall inside the iteration leaves behind.
#include "api/partition_table.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "core/clock.h"

namespace ringside {
namespace {

// The injected fresh clock: what the monotonic clock reads now, and how often it was read.
uint64_t g_now_ms = 0;
int g_reads = 0;
uint64_t test_clock() {
  ++g_reads;
  return g_now_ms;
}

constexpr uint16_t kPartition = 5;

class PartitionTableTest : public ::testing::Test {
 protected:
  PartitionTableTest() {
    g_now_ms = 0;
    g_reads = 0;
  }
};

TEST_F(PartitionTableTest, AnExpiredLeaseIsRefusedEvenWhenTheLoopClockIsOld) {
  PartitionTable table(true, 0, 1, &test_clock);
  table.set(kPartition, PartitionState::kServed);
  table.set_lease(10'000);

  g_now_ms = 9'000;
  EXPECT_EQ(table.route(kPartition, 9'000), PartitionRoute::kServe);
  // A stall inside one iteration: the loop's clock still says 9 000, the lease has run out.
  g_now_ms = 10'000;
  EXPECT_EQ(table.route(kPartition, 9'000), PartitionRoute::kRefuse);
  // Renewed (the next heartbeat): served again.
  table.set_lease(13'000);
  EXPECT_EQ(table.route(kPartition, 9'000), PartitionRoute::kServe);
}

// The coarse clock lags the precise one by up to a tick: the loop's clock, when later, counts.
TEST_F(PartitionTableTest, TheLaterOfTheLoopClockAndTheFreshReadCounts) {
  PartitionTable table(true, 0, 1, &test_clock);
  table.set(kPartition, PartitionState::kServed);
  table.set_lease(10'000);
  g_now_ms = 9'996;
  EXPECT_EQ(table.route(kPartition, 10'000), PartitionRoute::kRefuse);
}

TEST_F(PartitionTableTest, OneNodeServesEveryPartitionWithoutReadingTheClock) {
  PartitionTable table(false, 0, 1, &test_clock);
  g_now_ms = UINT64_MAX;
  EXPECT_EQ(table.route(kPartition, UINT64_MAX - 1), PartitionRoute::kServe);
  table.set_lease(1);  // a lease message means nothing to one node
  EXPECT_EQ(table.route(kPartition, 2), PartitionRoute::kServe);
  EXPECT_EQ(g_reads, 0);
}

TEST_F(PartitionTableTest, APartitionNotServedIsRefusedWithoutReadingTheClock) {
  PartitionTable table(true, 0, 1, &test_clock);
  table.set_lease(10'000);
  table.set(kPartition, PartitionState::kLoading);
  EXPECT_EQ(table.route(kPartition, 0), PartitionRoute::kRefuse);
  EXPECT_EQ(g_reads, 0);
}

// The fresh clock counts in the loop clock's time base (the lease deadline is one of its
// values): at most a tick behind it, never ahead.
TEST(CoarseMonoClock, ReadsTheLoopClocksTimeBase) {
  const uint64_t before = read_clock().mono_ms;
  const uint64_t coarse = coarse_mono_ms();
  const uint64_t after = read_clock().mono_ms;
  EXPECT_LE(coarse, after);
  EXPECT_GE(coarse + 100, before);
}

}  // namespace
}  // namespace ringside

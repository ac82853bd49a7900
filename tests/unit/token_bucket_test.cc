#include "model/token_bucket.h"

#include <gtest/gtest.h>

namespace ringside {
namespace {

constexpr Rate kThreePerMinute{3.0 / 60};

TEST(TokenBucket, StartsFullAndAdmitsExactlyTheBurst) {
  TokenBucket bucket(kThreePerMinute, 3, 1000);
  EXPECT_TRUE(bucket.try_take(1000));
  EXPECT_TRUE(bucket.try_take(1000));
  EXPECT_TRUE(bucket.try_take(1000));
  EXPECT_FALSE(bucket.try_take(1000));
}

TEST(TokenBucket, RefillsOneTokenPerInterval) {
  TokenBucket bucket(kThreePerMinute, 3, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(19'999));
  EXPECT_TRUE(bucket.try_take(20'000));
  EXPECT_FALSE(bucket.try_take(20'000));
  EXPECT_TRUE(bucket.try_take(40'000));
}

TEST(TokenBucket, RefusedTakesCostNothing) {
  TokenBucket bucket(Rate{1}, 1, 0);
  ASSERT_TRUE(bucket.try_take(0));
  for (uint64_t ms = 100; ms < 1000; ms += 100) EXPECT_FALSE(bucket.try_take(ms));
  EXPECT_TRUE(bucket.try_take(1000));
}

// Spending on commit: launches in flight are checked for (can_take of in-flight + 1) and
// spent only when they commit; a failed one leaves the bucket as if it never was.
TEST(TokenBucket, CanTakeLooksWithoutTaking) {
  TokenBucket bucket(kThreePerMinute, 3, 0);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.can_take(0));
  EXPECT_TRUE(bucket.can_take(0, 3));
  EXPECT_FALSE(bucket.can_take(0, 4));
  bucket.take(0);
  EXPECT_FALSE(bucket.can_take(0, 3));
  EXPECT_TRUE(bucket.can_take(0, 2));
}

TEST(TokenBucket, InFlightTakesHoldTheirPlaceUntilSpent) {
  TokenBucket bucket(Rate{1}, 2, 0);
  // Two launches in flight: a third does not fit.
  ASSERT_TRUE(bucket.can_take(0, 1));
  ASSERT_TRUE(bucket.can_take(0, 2));
  EXPECT_FALSE(bucket.can_take(0, 3));
  // One commits late (spent at its commit time), the other fails (never spent).
  bucket.take(500);
  EXPECT_TRUE(bucket.can_take(500, 1));
  EXPECT_FALSE(bucket.can_take(500, 2));
  EXPECT_TRUE(bucket.can_take(1500, 2));
}

TEST(TokenBucket, TakeGoesIntoDebtAndRefillsFromIt) {
  TokenBucket bucket(Rate{1}, 1, 0);
  bucket.take(0);
  bucket.take(0);  // checked earlier: spent even though the bucket is empty now
  EXPECT_FALSE(bucket.can_take(1000));
  EXPECT_TRUE(bucket.can_take(2000));
}

TEST(TokenBucket, IdleTimeFillsNoMoreThanTheBurst) {
  TokenBucket bucket(kThreePerMinute, 3, 0);
  ASSERT_TRUE(bucket.try_take(0));
  const uint64_t day_later = 24ull * 3600 * 1000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.try_take(day_later));
  EXPECT_FALSE(bucket.try_take(day_later));
}

TEST(TokenBucket, TakesSeveralTokensAtOnce) {
  TokenBucket bucket(Rate{1}, 3, 0);
  EXPECT_TRUE(bucket.try_take(0, 2));
  EXPECT_FALSE(bucket.try_take(0, 2));
  EXPECT_TRUE(bucket.try_take(0, 1));
  EXPECT_TRUE(bucket.try_take(2000, 2));
}

TEST(TokenBucket, FractionalRate) {
  TokenBucket bucket(Rate{0.5}, 1, 0);
  ASSERT_TRUE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(1999));
  EXPECT_TRUE(bucket.try_take(2000));
}

TEST(TokenBucket, HighRateRefillsWithinAMillisecond) {
  TokenBucket bucket(Rate{5000}, 5000, 0);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(0));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(1));
  EXPECT_FALSE(bucket.try_take(1));
}

TEST(TokenBucket, RetryAfterRoundsUpToWholeSeconds) {
  TokenBucket bucket(kThreePerMinute, 3, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bucket.try_take(0));
  EXPECT_EQ(bucket.retry_after_seconds(0), 20u);
  EXPECT_EQ(bucket.retry_after_seconds(5'000), 15u);
  EXPECT_EQ(bucket.retry_after_seconds(5'500), 15u);
  EXPECT_EQ(bucket.retry_after_seconds(19'001), 1u);
  EXPECT_EQ(bucket.retry_after_seconds(0, 2), 40u);
}

TEST(TokenBucket, RetryAfterIsAtLeastOneSecond) {
  TokenBucket bucket(kThreePerMinute, 3, 0);
  EXPECT_EQ(bucket.retry_after_seconds(0), 1u);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bucket.try_take(0));
  EXPECT_EQ(bucket.retry_after_seconds(20'000), 1u);
}

TEST(TokenBucket, RetryAfterForMoreThanTheBurstIsTheTimeUntilFull) {
  TokenBucket bucket(Rate{1}, 2, 0);
  EXPECT_FALSE(bucket.try_take(0, 3));
  ASSERT_TRUE(bucket.try_take(0, 2));
  EXPECT_EQ(bucket.retry_after_seconds(0, 3), 2u);
}

TEST(TokenBucketPolicy, PlayersShareAPolicyButNotTheirTokens) {
  const TokenBucketPolicy policy(kThreePerMinute, 1);
  TokenBucketState alice, bob;  // zero-initialised: full
  EXPECT_TRUE(policy.try_take(alice, 5'000));
  EXPECT_FALSE(policy.try_take(alice, 5'000));
  EXPECT_TRUE(policy.try_take(bob, 5'000));
  EXPECT_EQ(policy.retry_after_seconds(alice, 5'000), 20u);
  EXPECT_EQ(policy.retry_after_seconds(TokenBucketState{}, 5'000), 1u);
}

TEST(TokenBucketPolicy, ShardShareDividesRateAndBurst) {
  const TokenBucketPolicy share = shard_share_of(Rate{100}, 10, 4);  // 25/s, burst 2.5
  TokenBucketState state;
  EXPECT_TRUE(share.try_take(state, 0));
  EXPECT_TRUE(share.try_take(state, 0));
  EXPECT_FALSE(share.try_take(state, 0));
  EXPECT_FALSE(share.try_take(state, 19));
  EXPECT_TRUE(share.try_take(state, 40));  // 25/s: one token per 40 ms
}

TEST(TokenBucketPolicy, ShardShareKeepsAtLeastOneToken) {
  const TokenBucketPolicy share = shard_share_of(Rate{1}, 1, 4);  // 0.25/s, burst 1
  TokenBucketState state;
  EXPECT_TRUE(share.try_take(state, 0));
  EXPECT_FALSE(share.try_take(state, 3'999));
  EXPECT_TRUE(share.try_take(state, 4'000));
}

}  // namespace
}  // namespace ringside

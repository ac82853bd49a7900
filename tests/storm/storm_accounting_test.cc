#include "tools/storm/accounting.h"

#include <gtest/gtest.h>

namespace ringside::storm {
namespace {

TEST(StormAccounting, EveryAcceptedLaunchEndsInOneState) {
  LaunchAccounting books;
  EXPECT_TRUE(books.accepted(0, "s0"));
  EXPECT_TRUE(books.accepted(1, "s1"));
  EXPECT_TRUE(books.accepted(2, "s2"));
  EXPECT_TRUE(books.accepted(3, "s3"));
  EXPECT_TRUE(books.running(0));
  EXPECT_TRUE(books.stopped(0));
  EXPECT_TRUE(books.running(1));  // still playing when the run ended
  EXPECT_TRUE(books.failed(2));
  EXPECT_TRUE(books.stopped(3));  // stopped while starting (cancelled)

  const auto s = books.summary();
  EXPECT_EQ(s.accepted, 4u);
  EXPECT_EQ(s.stopped, 2u);
  EXPECT_EQ(s.running, 1u);
  EXPECT_EQ(s.error, 1u);
  EXPECT_EQ(s.starting, 0u);
  EXPECT_EQ(s.accepted, s.running + s.error + s.stopped + s.starting);
  EXPECT_TRUE(s.lost.empty());
  EXPECT_TRUE(s.duplicates.empty());
  EXPECT_TRUE(s.balanced());
}

TEST(StormAccounting, LaunchesStillStartingAreLost) {
  LaunchAccounting books;
  books.accepted(9, "s9");
  books.accepted(4, "s4");
  books.accepted(6, "s6");
  books.running(6);

  const auto s = books.summary();
  EXPECT_EQ(s.accepted, 3u);
  EXPECT_EQ(s.running, 1u);
  EXPECT_EQ(s.starting, 2u);
  EXPECT_EQ(s.lost, (std::vector<uint64_t>{4, 9}));
  EXPECT_FALSE(s.balanced());
  EXPECT_EQ(books.session_id(9), "s9");
}

TEST(StormAccounting, ASessionIdGivenToTwoLaunchesIsADuplicate) {
  LaunchAccounting books;
  books.accepted(1, "same");
  books.accepted(2, "other");
  books.accepted(3, "same");
  for (uint64_t n : {1, 2, 3}) {
    books.running(n);
    books.stopped(n);
  }

  const auto s = books.summary();
  EXPECT_EQ(s.stopped, 3u);
  EXPECT_EQ(s.starting, 0u);
  ASSERT_EQ(s.duplicates.size(), 1u);
  EXPECT_EQ(s.duplicates[0].session_id, "same");
  EXPECT_EQ(s.duplicates[0].first_launch, 1u);
  EXPECT_EQ(s.duplicates[0].second_launch, 3u);
  EXPECT_FALSE(s.balanced());
}

TEST(StormAccounting, AThirdLaunchWithTheSameIdIsAnotherDuplicateOfTheFirst) {
  LaunchAccounting books;
  books.accepted(1, "x");
  books.accepted(2, "x");
  books.accepted(3, "x");
  const auto s = books.summary();
  ASSERT_EQ(s.duplicates.size(), 2u);
  EXPECT_EQ(s.duplicates[1].first_launch, 1u);
  EXPECT_EQ(s.duplicates[1].second_launch, 3u);
}

TEST(StormAccounting, AcceptingTheSameLaunchTwiceIsRefused) {
  LaunchAccounting books;
  EXPECT_TRUE(books.accepted(5, "a"));
  EXPECT_FALSE(books.accepted(5, "b"));
  EXPECT_EQ(books.session_id(5), "a");
  EXPECT_EQ(books.summary().accepted, 1u);
  EXPECT_TRUE(books.summary().duplicates.empty());
}

TEST(StormAccounting, MovesThatDoNotFollowTheFlowAreRefused) {
  LaunchAccounting books;
  EXPECT_FALSE(books.running(1));  // never accepted
  EXPECT_FALSE(books.stopped(1));
  EXPECT_FALSE(books.failed(1));
  EXPECT_EQ(books.state(1), nullptr);

  books.accepted(2, "s2");
  EXPECT_TRUE(books.failed(2));
  EXPECT_FALSE(books.running(2));
  EXPECT_FALSE(books.stopped(2));
  EXPECT_EQ(*books.state(2), LaunchState::kError);

  books.accepted(3, "s3");
  EXPECT_TRUE(books.running(3));
  EXPECT_FALSE(books.running(3));
  EXPECT_FALSE(books.failed(3));
  EXPECT_TRUE(books.stopped(3));
  EXPECT_FALSE(books.stopped(3));
  EXPECT_EQ(*books.state(3), LaunchState::kStopped);

  const auto s = books.summary();
  EXPECT_EQ(s.accepted, 2u);
  EXPECT_EQ(s.error, 1u);
  EXPECT_EQ(s.stopped, 1u);
}

TEST(StormAccounting, AnAcceptedLaunchWithoutASessionIdIsLostButNoDuplicate) {
  LaunchAccounting books;
  books.accepted(1, "");
  books.accepted(2, "");
  const auto s = books.summary();
  EXPECT_EQ(s.starting, 2u);
  EXPECT_TRUE(s.duplicates.empty());
  EXPECT_FALSE(s.balanced());
}

TEST(StormAccounting, NothingAcceptedIsBalanced) {
  LaunchAccounting books;
  const auto s = books.summary();
  EXPECT_EQ(s.accepted, 0u);
  EXPECT_TRUE(s.balanced());
}

}  // namespace
}  // namespace ringside::storm

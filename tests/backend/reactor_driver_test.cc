// The test support itself: a reactor driven in bursts from the test's thread.
#include "backend/support/reactor_driver.h"

#include <gtest/gtest.h>

#include "core/timer_wheel.h"

namespace ringside {
namespace {

struct Flag : TimerNode {
  bool fired = false;
};

void arm_flag(ReactorDriver& driver, Flag& flag, uint64_t after_ms) {
  flag.on_fire = [](TimerNode* node) { static_cast<Flag*>(node)->fired = true; };
  driver.reactor().timers().arm(&flag, driver.reactor().now_ms() + after_ms);
}

TEST(ReactorDriver, RunsUntilATimerSetsTheFlagAndCanRunAgain) {
  ReactorDriver driver;
  Flag first, second;
  arm_flag(driver, first, 20);
  EXPECT_TRUE(driver.run_until([&] { return first.fired; }));
  arm_flag(driver, second, 20);
  EXPECT_TRUE(driver.run_until([&] { return second.fired; }));
}

TEST(ReactorDriver, GivesUpAtTheLimit) {
  ReactorDriver driver;
  Flag never;
  arm_flag(driver, never, 60'000);
  EXPECT_FALSE(driver.run_until([&] { return never.fired; }, std::chrono::milliseconds(50)));
  driver.reactor().timers().cancel(&never);
}

}  // namespace
}  // namespace ringside

// The helper thread for file work (backends/file_worker.h): work off the loop, completions on
// it, in order, and a slow job that leaves the loop free.
#include "backends/file_worker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "backend/support/reactor_driver.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

struct FlagTimer : TimerNode {
  bool fired = false;
  FlagTimer() {
    on_fire = [](TimerNode* n) { static_cast<FlagTimer*>(n)->fired = true; };
  }
};

TEST(FileWorker, WorkRunsOffTheLoopAndItsCompletionOnIt) {
  ReactorDriver driver;
  FileWorker files(driver.reactor());
  std::thread::id work_thread, done_thread;
  bool done = false;
  files.post([&] { work_thread = std::this_thread::get_id(); },
             [&] {
               done_thread = std::this_thread::get_id();
               done = true;
             });
  EXPECT_FALSE(done);  // never from inside post()
  EXPECT_EQ(files.pending(), 1u);
  ASSERT_TRUE(driver.run_until([&] { return done; }, 5s));
  EXPECT_NE(work_thread, std::this_thread::get_id());
  EXPECT_EQ(done_thread, std::this_thread::get_id());
  EXPECT_EQ(files.pending(), 0u);
}

TEST(FileWorker, JobsCompleteInTheOrderPosted) {
  ReactorDriver driver;
  FileWorker files(driver.reactor());
  std::vector<int> completed;
  for (int i = 0; i < 20; ++i) {
    files.post([] {}, [&completed, i] { completed.push_back(i); });
  }
  ASSERT_TRUE(driver.run_until([&] { return completed.size() == 20; }, 5s));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(completed[static_cast<size_t>(i)], i);
}

// A disk that takes its time (here: a job that blocks until released) holds up the helper
// thread only: the loop's timers still fire, and the job completes once it is let go.
TEST(FileWorker, ASlowJobLeavesTheLoopRunning) {
  ReactorDriver driver;
  FileWorker files(driver.reactor());
  std::atomic<bool> release{false};
  bool slow_done = false;
  files.post(
      [&] {
        while (!release.load()) std::this_thread::sleep_for(1ms);
      },
      [&] { slow_done = true; });
  FlagTimer timer;
  Reactor& reactor = driver.reactor();
  reactor.timers().arm(&timer, reactor.now_ms() + 50);
  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver.run_until([&] { return timer.fired; }, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_FALSE(slow_done);
  release = true;
  ASSERT_TRUE(driver.run_until([&] { return slow_done; }, 5s));
}

// Work accepted is done even when the worker goes away first (a save is written at shutdown);
// only the completions are dropped.
TEST(FileWorker, QueuedWorkIsDoneBeforeItIsDestroyed) {
  ReactorDriver driver;
  std::mutex mutex;
  std::vector<int> worked;
  bool any_completion = false;
  {
    FileWorker files(driver.reactor());
    for (int i = 0; i < 5; ++i) {
      files.post(
          [&, i] {
            std::this_thread::sleep_for(2ms);
            std::lock_guard lock(mutex);
            worked.push_back(i);
          },
          [&] { any_completion = true; });
    }
  }
  EXPECT_EQ(worked, (std::vector<int>{0, 1, 2, 3, 4}));
  driver.run_for(50ms);
  EXPECT_FALSE(any_completion);
}

}  // namespace
}  // namespace ringside

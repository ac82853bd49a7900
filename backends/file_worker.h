#pragma once
// Blocking file work (and the CPU work that goes with it) on one helper thread, so a slow disk
// never stalls the I/O core's loop and every backend on it. Each job's completion runs back on
// the reactor's thread: the helper wakes the loop through an eventfd polled on its ring
// (completion kind kFileCompletion).
//
// Jobs run one at a time, in the order posted: two saves of one slot land in that order.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/reactor.h"
#include "core/user_data.h"

namespace ringside {

class FileWorker {
 public:
  // Construct on the reactor's thread; registers the handler of completion kind `kind`
  // (core/user_data.h), which nothing else on that reactor may use.
  explicit FileWorker(Reactor& reactor, CompletionKind kind = kFileCompletion);
  // Runs the jobs still queued (a save accepted is written), without their completions.
  ~FileWorker();
  FileWorker(const FileWorker&) = delete;
  FileWorker& operator=(const FileWorker&) = delete;

  // `work` runs on the helper thread; then `done` on the reactor's thread, from its loop
  // (never from inside post()). Whatever they share they must own (capture by value).
  void post(std::function<void()> work, std::function<void()> done);
  // Jobs posted whose completion has not run yet.
  size_t pending() const { return pending_; }

 private:
  struct Job {
    std::function<void()> work, done;
  };
  void run_jobs();
  void arm_poll();
  static void on_completion(void* ctx, const io_uring_cqe& cqe);

  Reactor& reactor_;
  const CompletionKind kind_;
  int eventfd_ = -1;
  size_t pending_ = 0;  // reactor's thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queued_;                   // guarded by mutex_
  std::vector<std::function<void()>> done_;  // guarded by mutex_: completions to run
  bool stopping_ = false;                    // guarded by mutex_
  std::thread thread_;
};

}  // namespace ringside

#include "backends/file_worker.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "core/log.h"
#include "core/user_data.h"

namespace ringside {

FileWorker::FileWorker(Reactor& reactor, CompletionKind kind) : reactor_(reactor), kind_(kind) {
  eventfd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (eventfd_ < 0) throw std::runtime_error("eventfd failed");
  reactor_.set_completion_handler(kind_, &FileWorker::on_completion, this);
  arm_poll();
  thread_ = std::thread([this] { run_jobs(); });
}

FileWorker::~FileWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_poll_remove(sqe, pack_user_data(kind_, 0, 0));
  io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  reactor_.set_completion_handler(kind_, nullptr, nullptr);
  ::close(eventfd_);  // the ring holds the file until the removal goes through
}

void FileWorker::post(std::function<void()> work, std::function<void()> done) {
  ++pending_;
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(Job{std::move(work), std::move(done)});
  }
  wake_.notify_one();
}

void FileWorker::run_jobs() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and nothing left to do
    Job job = std::move(queued_.front());
    queued_.pop_front();
    lock.unlock();
    try {
      job.work();
    } catch (const std::exception& e) {
      // A job handles its own failures; one that escapes must not end the process from this
      // thread. Its completion still runs, with whatever the job left.
      log_error("file_job_failed").kv("error", e.what());
    }
    lock.lock();
    done_.push_back(std::move(job.done));
    const uint64_t one = 1;
    // The counter saturates long after the loop has read it: a failed write needs no retry.
    (void)!::write(eventfd_, &one, sizeof one);
  }
}

void FileWorker::arm_poll() {
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_poll_multishot(sqe, eventfd_, POLLIN);
  io_uring_sqe_set_data64(sqe, pack_user_data(kind_, 0, 0));
}

void FileWorker::on_completion(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<FileWorker*>(ctx);
  uint64_t count;
  while (::read(self->eventfd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
  if (!(cqe.flags & IORING_CQE_F_MORE)) self->arm_poll();  // the kernel ended the multishot
  std::vector<std::function<void()>> done;
  {
    std::lock_guard lock(self->mutex_);
    done.swap(self->done_);
  }
  // In the order the jobs ran; a completion may post more work.
  for (std::function<void()>& d : done) {
    --self->pending_;
    d();
  }
}

}  // namespace ringside

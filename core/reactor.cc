#include "core/reactor.h"

#include <unistd.h>

#include <cstring>
#include <ctime>
#include <stdexcept>
#include <string>

#include "core/log.h"

namespace ringside {
namespace {

constexpr size_t kMessagesPerIteration = 4096;
constexpr uint32_t kTimerSlots = 4096;

}  // namespace

Reactor::Reactor(MessageBus& bus, uint32_t self, const Options& options)
    : mailbox_(bus, self),
      timers_(options.timer_tick_ms, kTimerSlots, read_clock().mono_ms),
      bus_(bus) {
  int rc =
      setup_ring(&ring_, options.sq_entries, options.cq_entries, options.minimal_uring, &features_);
  if (rc != 0) {
    throw std::runtime_error(std::string("io_uring setup failed: ") + strerror(-rc) +
                             " (ringside needs Linux 5.19 or newer with io_uring enabled)");
  }
  clock_ = read_clock();
  bus_.inbox(self).ring_fd.store(ring_.ring_fd);
  set_completion_handler(kDoorbellCompletion, &Reactor::on_doorbell, this);
  if (!features_.msg_ring) arm_eventfd_doorbell();
}

Reactor::~Reactor() { io_uring_queue_exit(&ring_); }

io_uring_sqe* Reactor::sqe() {
  owner_.check("Reactor::sqe");
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  while (!s) {
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;
}

void Reactor::set_completion_handler(CompletionKind kind, CompletionHandler handler, void* ctx) {
  owner_.check("Reactor::set_completion_handler");
  handlers_[kind] = {handler, ctx};
}

void Reactor::add_batch_end_hook(Hook hook, void* ctx) {
  owner_.check("Reactor::add_batch_end_hook");
  hooks_.push_back({hook, ctx});
}

void Reactor::remove_batch_end_hook(Hook hook, void* ctx) {
  owner_.check("Reactor::remove_batch_end_hook");
  std::erase_if(hooks_, [&](const HookEntry& h) { return h.fn == hook && h.ctx == ctx; });
}

void Reactor::arm_eventfd_doorbell() {
  io_uring_sqe* s = sqe();
  io_uring_prep_read(s, bus_.inbox(self()).eventfd, &eventfd_value_, sizeof eventfd_value_, 0);
  io_uring_sqe_set_data64(s, pack_user_data(kDoorbellCompletion, 0, 0));
}

void Reactor::on_doorbell(void* ctx, const io_uring_cqe&) {
  // Messages are drained every iteration; the doorbell only had to end the wait.
  auto* self = static_cast<Reactor*>(ctx);
  if (!self->features_.msg_ring) self->arm_eventfd_doorbell();
}

void Reactor::handle_completion(const io_uring_cqe& cqe) {
  const Handler& h = handlers_[user_data_kind(cqe.user_data)];
  if (h.fn) h.fn(h.ctx, cqe);
}

void Reactor::run() {
  owner_.check("Reactor::run");
  while (!stopping_) {
    // 1. Wait. Never sleep while messages wait in overflow or another thread may have
    //    written to us without seeing us asleep.
    int64_t wait_ms = timers_.ms_until_next_tick(clock_.mono_ms);
    bool may_sleep = mailbox_.prepare_to_sleep();
    if (mailbox_.has_overflow()) wait_ms = (wait_ms < 0 || wait_ms > 1) ? 1 : wait_ms;
    if (!may_sleep) wait_ms = 0;
    io_uring_cqe* first = nullptr;
    if (wait_ms < 0) {
      io_uring_submit_and_wait(&ring_, 1);
    } else {
      __kernel_timespec ts{};
      ts.tv_sec = wait_ms / 1000;
      ts.tv_nsec = (wait_ms % 1000) * 1000000;
      io_uring_submit_and_wait_timeout(&ring_, &first, wait_ms == 0 ? 0 : 1, &ts, nullptr);
    }
    mailbox_.woke();

    // 2. Clocks.
    clock_ = read_clock();

    // 3. Completions, until the CQ is empty (including anything the kernel had to hold
    //    back when the CQ overflowed).
    for (;;) {
      unsigned head;
      unsigned seen = 0;
      io_uring_cqe* cqe;
      io_uring_for_each_cqe(&ring_, head, cqe) {
        handle_completion(*cqe);
        ++seen;
      }
      io_uring_cq_advance(&ring_, seen);
      if (!io_uring_cq_has_overflow(&ring_)) break;
      io_uring_get_events(&ring_);
    }

    // 4. Messages.
    mailbox_.dispatch(kMessagesPerIteration);

    // 5. Timers.
    timers_.advance(clock_.mono_ms);

    // 6. Batch end.
    for (const HookEntry& h : hooks_) h.fn(h.ctx);
    mailbox_.flush(&ring_, features_.msg_ring);
  }
  stopping_ = false;  // run() may be called again (tests drive one reactor in bursts)
  io_uring_submit(&ring_);
}

}  // namespace ringside

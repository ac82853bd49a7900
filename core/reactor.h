#pragma once
// One thread's event loop: an io_uring ring, a timer wheel, and its end of the message bus.
// Shards and the I/O core are each one Reactor plus the handlers they register.
//
// Contract of run(), one iteration at a time:
//   1. submit everything prepared so far and wait for at least one completion, a message, or
//      the next timer tick (whichever comes first) — the only blocking point of the thread;
//   2. refresh the cached clocks;
//   3. hand every completion in the CQ to the handler registered for its kind (user_data.h);
//   4. hand every inbound message to the handler registered for its kind on the mailbox
//      (Mailbox::set_handler; bounded per iteration);
//   5. fire due timers;
//   6. run the batch-end hooks (send gathered output, re-arm receives, return buffers), then
//      flush the mailbox, ringing the doorbells of sleeping peers.
// Handlers never block. Everything they submit leaves in the next step 1, as one batch.
#include <liburing.h>

#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/mailbox.h"
#include "core/owner_thread.h"
#include "core/timer_wheel.h"
#include "core/uring.h"
#include "core/user_data.h"

namespace ringside {

class Reactor {
 public:
  struct Options {
    unsigned sq_entries = 4096;
    unsigned cq_entries = 65536;
    bool minimal_uring = false;  // force every fallback (tests)
    uint32_t timer_tick_ms = 100;
  };
  using CompletionHandler = void (*)(void* ctx, const io_uring_cqe& cqe);
  using Hook = void (*)(void* ctx);

  // Construct on the thread that will run it: the ring is single-issuer, and the reactor, its
  // mailbox and its timer wheel belong to that thread (checked in checked builds:
  // core/owner_thread.h).
  Reactor(MessageBus& bus, uint32_t self, const Options& options);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  io_uring* ring() { return &ring_; }
  const UringFeatures& features() const { return features_; }
  Mailbox& mailbox() { return mailbox_; }
  TimerWheel& timers() { return timers_; }
  uint32_t self() const { return mailbox_.self(); }

  const Clock& clock() const { return clock_; }  // refreshed once per iteration
  uint64_t now_ms() const { return clock_.mono_ms; }
  uint64_t now_us() const { return clock_.mono_us; }
  int64_t unix_now() const { return clock_.unix_s; }

  // Never returns null: submits pending entries when the SQ is full.
  io_uring_sqe* sqe();

  void set_completion_handler(CompletionKind kind, CompletionHandler handler, void* ctx);
  void add_batch_end_hook(Hook hook, void* ctx);
  // For an owner that goes away before the reactor; never from inside a hook.
  void remove_batch_end_hook(Hook hook, void* ctx);

  void run();
  // run() returns after the current iteration; it may be called again later.
  void stop() { stopping_ = true; }

 private:
  void arm_eventfd_doorbell();
  void handle_completion(const io_uring_cqe& cqe);
  static void on_doorbell(void* ctx, const io_uring_cqe& cqe);

  io_uring ring_{};
  UringFeatures features_;
  Mailbox mailbox_;
  TimerWheel timers_;
  MessageBus& bus_;
  struct Handler {
    CompletionHandler fn = nullptr;
    void* ctx = nullptr;
  };
  Handler handlers_[kCompletionKindCount];
  struct HookEntry {
    Hook fn;
    void* ctx;
  };
  std::vector<HookEntry> hooks_;
  uint64_t eventfd_value_ = 0;
  Clock clock_;
  bool stopping_ = false;
  [[no_unique_address]] OwnerThread owner_;
};

}  // namespace ringside

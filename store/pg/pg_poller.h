#pragma once
// Drives a PgConnection from a Reactor: IORING_OP_POLL_ADD on its socket (completion kind
// kStoreCompletion; index 0 waits for reading, 1 for writing), a timer-wheel node for its
// deadlines (reconnect backoff, connect and batch timeouts), and a flush at the end of every
// loop iteration, so the batches built during an iteration leave together.
//
// Lifetime: construct it on the reactor's thread after the reactor, and after registering
// any batch-end hook that builds batches (hooks run in registration order, and this one
// flushes); it must outlive the reactor's run(), because a reactor cannot drop a hook. A
// connection already started (another reactor drove it before) is picked up where it is.
#include <cstdint>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class PgPoller {
 public:
  PgPoller(Reactor& reactor, PgConnection& connection);
  ~PgPoller();
  PgPoller(const PgPoller&) = delete;
  PgPoller& operator=(const PgPoller&) = delete;

  // Starts the connection's first attempt.
  void start();

 private:
  enum : uint32_t { kReadPoll = 0, kWritePoll = 1 };
  struct Timer : TimerNode {
    PgPoller* poller = nullptr;
  };

  static void on_completion(void* ctx, const io_uring_cqe& cqe);
  static void on_batch_end(void* ctx);
  static void on_timer(TimerNode* node);
  // Matches the armed polls and the timer to what the connection wants now.
  void rearm();
  void arm_poll(uint32_t which, unsigned events);
  void cancel_polls();

  Reactor& reactor_;
  PgConnection& connection_;
  Timer timer_;
  uint32_t generation_ = 0;  // of the socket our polls watch (user_data generation)
  uint32_t watched_fd_generation_ = 0;
  bool armed_[2] = {false, false};
};

}  // namespace ringside

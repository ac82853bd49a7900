// In checked builds (RINGSIDE_THREAD_CHECKS: Debug and the sanitizer build) a reactor, its
// mailbox and its timer wheel abort when touched from a thread other than the one that
// constructed them. Elsewhere the check is compiled out and these tests skip.
#include "core/owner_thread.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/message_bus.h"
#include "core/reactor.h"

namespace ringside {
namespace {

struct Ping {
  static constexpr uint16_t kKind = 1;
};

struct Timer : TimerNode {};

class OwnerThreadDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!kThreadChecks) GTEST_SKIP() << "owner-thread checks are compiled out of this build";
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }

  static Reactor::Options small() {
    Reactor::Options o;
    o.sq_entries = 8;
    o.cq_entries = 16;
    return o;
  }

  // Runs `touch` on a thread of its own, and waits for it.
  template <class F>
  static void elsewhere(F touch) {
    std::thread(touch).join();
  }
};

TEST_F(OwnerThreadDeathTest, SqeFromAnotherThreadAborts) {
  MessageBus bus(2, 64 * 1024);
  Reactor reactor(bus, 0, small());
  EXPECT_DEATH(elsewhere([&] { reactor.sqe(); }), "Reactor::sqe called on a thread that does not");
}

TEST_F(OwnerThreadDeathTest, SendFromAnotherThreadAborts) {
  MessageBus bus(2, 64 * 1024);
  Reactor reactor(bus, 0, small());
  EXPECT_DEATH(elsewhere([&] { reactor.mailbox().send(1, Ping{}); }), "Mailbox::begin");
}

TEST_F(OwnerThreadDeathTest, DrainFromAnotherThreadAborts) {
  MessageBus bus(2, 64 * 1024);
  Reactor reactor(bus, 0, small());
  EXPECT_DEATH(elsewhere([&] { reactor.mailbox().dispatch(1); }), "Mailbox::drain");
}

TEST_F(OwnerThreadDeathTest, TimerArmAndCancelFromAnotherThreadAbort) {
  MessageBus bus(2, 64 * 1024);
  Reactor reactor(bus, 0, small());
  Timer timer;
  timer.on_fire = [](TimerNode*) {};
  EXPECT_DEATH(elsewhere([&] { reactor.timers().arm(&timer, reactor.now_ms() + 1000); }),
               "TimerWheel::arm");
  reactor.timers().arm(&timer, reactor.now_ms() + 1000);  // on its own thread: fine
  EXPECT_DEATH(elsewhere([&] { reactor.timers().cancel(&timer); }), "TimerWheel::cancel");
  reactor.timers().cancel(&timer);
}

TEST_F(OwnerThreadDeathTest, HandlerRegistrationFromAnotherThreadAborts) {
  MessageBus bus(2, 64 * 1024);
  Reactor reactor(bus, 0, small());
  EXPECT_DEATH(
      elsewhere([&] { reactor.set_completion_handler(kFileCompletion, nullptr, nullptr); }),
      "Reactor::set_completion_handler");
  EXPECT_DEATH(elsewhere([&] { reactor.mailbox().set_handler(Ping::kKind, nullptr, nullptr); }),
               "Mailbox::set_handler");
}

}  // namespace
}  // namespace ringside

#pragma once
// A Reactor run on the test's own thread, in bursts: run_until() turns the loop until a
// predicate holds or a time limit passes, then hands control back to the test. Backends and
// the HTTP client under test live on this reactor, so everything stays single-threaded.
//
// The predicate is checked at the end of every loop iteration, and a heartbeat timer makes
// the loop wake at least once per timer tick, so a predicate that turns true with the clock
// alone is seen within a tick.
#include <chrono>
#include <cstdint>
#include <functional>

#include "core/message_bus.h"
#include "core/reactor.h"
#include "core/timer_wheel.h"

namespace ringside {

class ReactorDriver {
 public:
  struct Options {
    uint32_t timer_tick_ms = 10;  // production uses 100; tests wake more often
  };

  ReactorDriver() : ReactorDriver(Options{}) {}
  explicit ReactorDriver(Options options);
  ~ReactorDriver();
  ReactorDriver(const ReactorDriver&) = delete;
  ReactorDriver& operator=(const ReactorDriver&) = delete;

  Reactor& reactor() { return reactor_; }
  MessageBus& bus() { return bus_; }

  // Runs the loop until done() is true or `limit` has passed; returns done(). Returns at once
  // (without turning the loop) when done() already holds.
  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(10));
  // Runs the loop for `duration`.
  void run_for(std::chrono::milliseconds duration);

 private:
  struct Timer : TimerNode {
    ReactorDriver* driver = nullptr;
  };
  static void on_batch_end(void* ctx);
  static void on_heartbeat(TimerNode* node);
  static void on_deadline(TimerNode* node);

  MessageBus bus_;
  Reactor reactor_;
  Timer heartbeat_;
  Timer deadline_;
  const std::function<bool()>* done_ = nullptr;  // set while run_until() runs
};

}  // namespace ringside

#include "backend/support/reactor_driver.h"

namespace ringside {
namespace {

Reactor::Options reactor_options(const ReactorDriver::Options& options) {
  Reactor::Options o;
  o.sq_entries = 256;
  o.cq_entries = 4096;
  o.timer_tick_ms = options.timer_tick_ms;
  return o;
}

}  // namespace

ReactorDriver::ReactorDriver(Options options)
    : bus_(1, 1 << 16), reactor_(bus_, 0, reactor_options(options)) {
  heartbeat_.driver = this;
  heartbeat_.on_fire = &ReactorDriver::on_heartbeat;
  deadline_.driver = this;
  deadline_.on_fire = &ReactorDriver::on_deadline;
  reactor_.add_batch_end_hook(&ReactorDriver::on_batch_end, this);
}

ReactorDriver::~ReactorDriver() {
  reactor_.timers().cancel(&heartbeat_);
  reactor_.timers().cancel(&deadline_);
}

bool ReactorDriver::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  if (done()) return true;
  done_ = &done;
  uint64_t now = read_clock().mono_ms;
  reactor_.timers().arm(&deadline_, now + static_cast<uint64_t>(limit.count()));
  reactor_.timers().arm(&heartbeat_, now + reactor_.timers().tick_ms());
  reactor_.run();
  reactor_.timers().cancel(&heartbeat_);
  reactor_.timers().cancel(&deadline_);
  done_ = nullptr;
  return done();
}

void ReactorDriver::run_for(std::chrono::milliseconds duration) {
  run_until([] { return false; }, duration);
}

void ReactorDriver::on_batch_end(void* ctx) {
  auto* self = static_cast<ReactorDriver*>(ctx);
  if (self->done_ && (*self->done_)()) self->reactor_.stop();
}

void ReactorDriver::on_heartbeat(TimerNode* node) {
  ReactorDriver* self = static_cast<Timer*>(node)->driver;
  self->reactor_.timers().arm(node, self->reactor_.now_ms() + self->reactor_.timers().tick_ms());
}

void ReactorDriver::on_deadline(TimerNode* node) {
  static_cast<Timer*>(node)->driver->reactor_.stop();
}

}  // namespace ringside

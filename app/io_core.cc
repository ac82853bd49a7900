#include "app/io_core.h"

#include <unistd.h>

#include <cstring>
#include <memory>

#include "app/make_backend.h"
#include "app/messages.h"
#include "app/placement.h"
#include "core/log.h"
#include "core/reactor.h"

namespace ringside {
namespace {

class IoCore {
 public:
  explicit IoCore(Runtime& runtime)
      : runtime_(runtime),
        reactor_(runtime.bus, runtime.io_thread(), options(runtime.config)),
        placement_(runtime, reactor_.mailbox(), reactor_.timers(), clock()),
        backend_(make_backend(runtime, reactor_.timers(), clock(), placement_)) {
    if (!backend_) {
      log_error("unknown_backend").kv("backend", runtime.config.backend);
      _exit(1);
    }
    placement_.attach(*backend_);
    reactor_.set_message_handler(&IoCore::on_message, this);
  }

  void run() {
    runtime_.rings_ready.arrive_and_wait();
    reactor_.run();
  }

 private:
  static Reactor::Options options(const Config& c) {
    Reactor::Options o;
    o.minimal_uring = c.uring_fallbacks;
    o.cq_entries = 8192;
    return o;
  }

  std::function<uint64_t()> clock() const {
    return [this] { return reactor_.now_ms(); };
  }

  static void on_message(void* ctx, uint32_t from, uint16_t kind, const void* payload,
                         uint32_t len) {
    auto* self = static_cast<IoCore*>(ctx);
    if (self->placement_.on_message(from, kind, payload, len)) return;
    switch (kind) {
      case kMsgReadyQuery: {
        ReadyQuery q;
        std::memcpy(&q, payload, sizeof q);
        ReadyReply r{};
        r.ref = q.ref;
        r.ready = true;
        self->reactor_.mailbox().send(from, kMsgReadyReply, r);
        return;
      }
      case kMsgDrained:
        if (++self->drained_ == self->runtime_.shard_count()) {
          for (uint32_t s = 0; s < self->runtime_.shard_count(); ++s) {
            self->reactor_.mailbox().send(s, kMsgStop, nullptr, 0);
          }
          self->reactor_.stop();
        }
        return;
      default:
        log_error("unknown_message").kv("thread", "io").kv("kind", unsigned{kind});
    }
  }

  Runtime& runtime_;
  Reactor reactor_;
  SessionPlacement placement_;
  std::unique_ptr<Backend> backend_;  // reports to placement_, so destroyed before it
  uint32_t drained_ = 0;
};

}  // namespace

void run_io_core(Runtime& runtime) {
  IoCore core(runtime);
  core.run();
}

}  // namespace ringside

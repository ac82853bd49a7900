#include "app/io_core.h"

#include <cstring>

#include "app/messages.h"
#include "core/log.h"
#include "core/reactor.h"

namespace ringside {
namespace {

class IoCore {
 public:
  explicit IoCore(Runtime& runtime)
      : runtime_(runtime), reactor_(runtime.bus, runtime.io_thread(), options(runtime.config)) {
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

  static void on_message(void* ctx, uint32_t from, uint16_t kind, const void* payload,
                         uint32_t) {
    auto* self = static_cast<IoCore*>(ctx);
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
  uint32_t drained_ = 0;
};

}  // namespace

void run_io_core(Runtime& runtime) {
  IoCore core(runtime);
  core.run();
}

}  // namespace ringside

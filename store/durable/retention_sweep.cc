#include "store/durable/retention_sweep.h"

#include <charconv>

#include "core/log.h"
#include "store/durable/statements.h"
#include "store/session_store.h"

namespace ringside {
namespace {

uint64_t count_at(const PgResult& result, int column) {
  uint64_t n = 0;
  const std::string_view text = result.text(0, column);
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

}  // namespace

RetentionSweep::RetentionSweep(Reactor& reactor, PgConnection& connection,
                               const StoreWriter& writer, uint64_t interval_ms, Listener listener,
                               void* listener_ctx, uint64_t settle_after_reconnect_ms)
    : reactor_(reactor),
      connection_(connection),
      writer_(writer),
      interval_ms_(interval_ms),
      listener_(listener),
      listener_ctx_(listener_ctx),
      settle_ms_(settle_after_reconnect_ms) {
  timer_.sweep = this;
  timer_.on_fire = &RetentionSweep::on_timer;
  reactor_.timers().arm(&timer_, reactor_.now_ms() + interval_ms_);
  reactor_.add_batch_end_hook(&RetentionSweep::on_batch_end, this);
}

RetentionSweep::~RetentionSweep() { reactor_.timers().cancel(&timer_); }

void RetentionSweep::on_timer(TimerNode* node) { static_cast<Timer*>(node)->sweep->due_ = true; }

// Runs at the end of every loop iteration, after the writer's hook: a sweep goes out only into
// a quiet connection, and waits (due) through busy iterations and outages.
void RetentionSweep::on_batch_end(void* ctx) {
  auto* self = static_cast<RetentionSweep*>(ctx);
  if (!self->connection_.ready()) {
    self->reconnecting_ = self->was_ready_;
    return;
  }
  const uint64_t now = self->reactor_.now_ms();
  self->was_ready_ = true;
  if (self->reconnecting_) {
    self->reconnecting_ = false;
    self->settled_at_ms_ = now + self->settle_ms_;
  }
  if (!self->due_ || self->in_flight_ || !self->writer_.idle() ||
      self->connection_.pending_batches() != 0) {
    return;
  }
  if (now < self->settled_at_ms_) {
    // Come back when settled: the timer makes the loop go round then.
    self->due_ = false;
    self->reactor_.timers().arm(&self->timer_, self->settled_at_ms_);
    return;
  }
  self->send();
}

void RetentionSweep::send() {
  if (!connection_.begin([this](const PgError* error) {
        in_flight_ = false;
        if (error) {
          log_warn("retention_sweep_failed")
              .kv("kind", error->kind == PgError::Kind::kConnection ? "connection" : "statement")
              .kv("sqlstate", error->sqlstate)
              .kv("error", error->message);
          return;
        }
        if (pending_.sessions + pending_.tokens > 0) {
          log_debug("retention_swept")
              .kv("sessions", pending_.sessions)
              .kv("token_sessions", pending_.tokens);
        }
        listener_(listener_ctx_, pending_);
      })) {
    return;
  }
  due_ = false;
  in_flight_ = true;
  pending_ = Swept{};
  params_.clear();
  params_.add(kRowsPerSweep).add(static_cast<int64_t>(kHistoryKept));
  params_.add(static_cast<int64_t>(kTokenKeptAfterMs));
  connection_.execute(kStmtSweepRetention, params_, [this](const PgResult* result, const PgError*) {
    if (result && result->rows() == 1) pending_ = Swept{count_at(*result, 0), count_at(*result, 1)};
  });
  connection_.commit();
  reactor_.timers().arm(&timer_, reactor_.now_ms() + interval_ms_);
}

}  // namespace ringside

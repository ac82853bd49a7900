#include "store/durable/store_writer.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "core/log.h"

namespace ringside {

StoreWriter::StoreWriter(Reactor& reactor, PgConnection& connection, uint32_t shard_count)
    : reactor_(reactor),
      connection_(connection),
      shard_count_(shard_count),
      refusing_(shard_count, false) {
  wakeup_.on_fire = &StoreWriter::on_wakeup;
  reactor_.add_batch_end_hook(&StoreWriter::on_batch_end, this);
}

StoreWriter::~StoreWriter() { reactor_.timers().cancel(&wakeup_); }

void StoreWriter::submit(uint32_t from, std::string_view bytes) {
  WriteIntentReader reader;
  if (!reader.parse(bytes)) {
    log_error("store_intent_malformed").kv("shard", from).kv("bytes", uint64_t{bytes.size()});
    return;
  }
  Intent intent;
  intent.bytes = std::string(bytes);
  intent.seq = reader.seq();
  intent.cls = reader.write_class();
  intent.shard = from;
  intent.ordinal = ++ordinals_;
  intent.queued_ms = reactor_.now_ms();
  if (from < refusing_.size() && refusing_[from]) {
    report(intent, WriteOutcome::kRefused);
    return;
  }
  if (intent.cls == WriteClass::kRequest && !available_) {
    report(intent, WriteOutcome::kRefused);
    return;
  }
  queue_.push_back(std::move(intent));
}

void StoreWriter::submit_own(std::string_view intent) {
  Intent own;
  own.bytes = std::string(intent);
  own.cls = WriteClass::kBackground;
  own.shard = kOwnIntent;
  own.ordinal = ++ordinals_;
  own.queued_ms = reactor_.now_ms();
  queue_.push_back(std::move(own));
}

void StoreWriter::on_batch_end(void* ctx) {
  auto* self = static_cast<StoreWriter*>(ctx);
  if (self->queue_.empty()) return;
  // Whether the database is down or only slower than the writes arriving: a request is never
  // left waiting longer than kRequestWaitMs (back-pressure, not an ever-growing queue).
  self->refuse_waiting(false);
  if (self->queue_.empty() || self->batch_in_flight_ || !self->connection_.ready()) {
    self->arm_wakeup();
    return;
  }
  if (self->reactor_.now_ms() < self->retry_at_ms_) {
    self->arm_wakeup();
    return;
  }
  self->send_batch();
}

// Wakes the loop when the oldest queued intent reaches its wait bound, or a pause after a
// transient failure ends: nothing else may wake an idle I/O core then.
void StoreWriter::arm_wakeup() {
  const uint64_t now = reactor_.now_ms();
  uint64_t at = retry_at_ms_ > now ? retry_at_ms_ : UINT64_MAX;
  // The oldest intent whose wait bound still has something to do (a background one already
  // told it is delayed has nothing: it just waits for the database).
  for (const Intent& intent : queue_) {
    if (intent.cls == WriteClass::kBackground && intent.delayed) continue;
    at = std::min(at, std::max(intent.queued_ms + kRequestWaitMs, now + 1));
    break;
  }
  if (at == UINT64_MAX || (wakeup_.armed() && wakeup_.deadline_ms <= at)) return;
  reactor_.timers().arm(&wakeup_, at);
}

void StoreWriter::on_wakeup(TimerNode*) {}

void StoreWriter::send_batch() {
  if (!connection_.begin([this](const PgError* error) { on_batch_done(error); })) return;
  batch_in_flight_ = true;
  const size_t n = std::min(queue_.size(), kMaxIntentsPerBatch);
  batch_.clear();
  batch_.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    batch_.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  uint32_t statements = 0;
  for (size_t i = 0; i < batch_.size(); ++i) {
    WriteIntentReader reader;
    reader.parse(batch_[i].bytes);  // checked in submit()
    batch_[i].first_statement = statements;
    statements += static_cast<uint32_t>(reader.statement_count());
    reader.for_each(params_, [&](StatementId id, const PgParams& params) {
      PgStatementCallback check;
      if (id == kStmtInsertSession) {
        // Inserted nothing: the database holds an active session of this player already.
        check = [this, i](const PgResult* result, const PgError*) {
          if (result && result->affected_rows() != 1) batch_[i].refused = true;
        };
      } else if (id == kStmtInsertWebhook && outbox_listener_) {
        check = outbox_row_check(params);
      }
      connection_.execute(id, params, std::move(check));
    });
  }
  connection_.commit();
}

// Keeps the row an outbox INSERT made (its RETURNING seq), to hand over once the batch commits.
PgStatementCallback StoreWriter::outbox_row_check(const PgParams& params) {
  const char* const* v = params.values();
  WebhookEvent row;
  row.id = v[0];
  row.session = v[1];
  row.partition = static_cast<uint16_t>(std::strtoul(v[2], nullptr, 10));
  row.body = v[3];
  row.made_unix_ms = std::strtoll(v[4], nullptr, 10);
  return [this, row = std::move(row)](const PgResult* result, const PgError*) mutable {
    if (!result || result->rows() != 1) return;  // there already: its reader has it
    row.outbox_seq = std::strtoull(std::string(result->text(0, 0)).c_str(), nullptr, 10);
    outbox_rows_.push_back(std::move(row));
  };
}

void StoreWriter::set_refusing(uint32_t shard, bool refusing) {
  if (shard < refusing_.size()) refusing_[shard] = refusing;
}

bool StoreWriter::settled(uint64_t mark) const {
  uint64_t oldest = UINT64_MAX;  // the oldest intent not settled yet
  if (batch_in_flight_ && !batch_.empty()) oldest = batch_.front().ordinal;
  if (!queue_.empty()) oldest = std::min(oldest, queue_.front().ordinal);
  return oldest > mark;
}

void StoreWriter::on_batch_done(const PgError* error) {
  batch_in_flight_ = false;
  std::vector<WebhookEvent> rows = std::exchange(outbox_rows_, {});
  if (std::exchange(fenced_batch_, false) && error) {
    // Sent before the loss of the connection (and of every partition lock): not resent.
    for (const Intent& intent : batch_) report(intent, WriteOutcome::kRefused);
    batch_.clear();
    return;
  }
  if (!error) {
    for (WebhookEvent& row : rows) outbox_listener_(std::move(row));
    ++batches_committed_;
    intents_committed_ += batch_.size();
    for (const Intent& intent : batch_) {
      report(intent, intent.refused ? WriteOutcome::kRefused : WriteOutcome::kCommitted);
    }
    batch_.clear();
    return;
  }
  log_warn("store_batch_failed")
      .kv("intents", batch_.size())
      .kv("kind", error->kind == PgError::Kind::kConnection ? "connection" : "statement")
      .kv("sqlstate", error->sqlstate)
      .kv("error", error->message);
  // The intent holding the statement the server rejected, if that is what happened and the
  // rejection is about the data (SQLSTATE classes 22, 23, 42: it would fail every time).
  // Anything else (a cancel, a deadlock, a read-only standby, a full disk) is transient: the
  // batch is retried as after a lost connection, after a pause.
  const std::string_view cls = std::string_view(error->sqlstate).substr(0, 2);
  const bool deterministic =
      error->kind == PgError::Kind::kStatement && (cls == "22" || cls == "23" || cls == "42");
  if (!deterministic) retry_at_ms_ = reactor_.now_ms() + kTransientRetryMs;
  size_t rejected = batch_.size();
  if (deterministic && error->statement >= 0) {
    const auto at = static_cast<uint32_t>(error->statement);
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (batch_[i].first_statement <= at) rejected = i;
    }
  }
  // Background intents go back to the front, in their order. Requests are refused, except
  // the innocent ones of a batch one bad intent spoiled: they go back too (their wait bound
  // still holds).
  for (size_t i = batch_.size(); i-- > 0;) {
    Intent& intent = batch_[i];
    if (intent.cls == WriteClass::kRequest && (rejected == batch_.size() || i == rejected)) {
      report(intent, WriteOutcome::kRefused);
      continue;
    }
    if (i == rejected) {
      log_error("store_intent_rejected").kv("shard", intent.shard).kv("seq", intent.seq);
      report(intent, WriteOutcome::kRefused);
      continue;
    }
    if (!intent.delayed && intent.cls == WriteClass::kBackground) {
      intent.delayed = true;
      report(intent, WriteOutcome::kDelayed);
    }
    intent.refused = false;
    queue_.push_front(std::move(intent));
  }
  batch_.clear();
}

void StoreWriter::refuse_waiting(bool all) {
  const uint64_t now = reactor_.now_ms();
  // The queue is oldest first (a failed batch goes back to the front, older than the rest):
  // only its overdue head is looked at.
  auto end = queue_.begin();
  while (end != queue_.end() && (all || now - end->queued_ms >= kRequestWaitMs)) ++end;
  if (end == queue_.begin()) return;
  const auto kept = std::remove_if(queue_.begin(), end, [&](Intent& intent) {
    if (intent.cls == WriteClass::kRequest) {
      report(intent, WriteOutcome::kRefused);
      return true;
    }
    // Kept and retried; its sender hears once that it is not committed yet.
    if (!intent.delayed) {
      intent.delayed = true;
      report(intent, WriteOutcome::kDelayed);
    }
    return false;
  });
  queue_.erase(kept, end);
}

void StoreWriter::on_connection_state(PgConnection::State state, std::string_view why) {
  if (state == PgConnection::State::kReady) {
    if (!available_) {
      available_ = true;
      log_info("store_available");
      broadcast_availability();
    }
    return;
  }
  if (state != PgConnection::State::kDown) return;
  if (fence_on_loss_) {
    fenced_batch_ = batch_in_flight_;
    refuse_all_queued();
  }
  if (available_) {
    available_ = false;
    log_warn("store_unavailable").kv("why", why);
    broadcast_availability();
    refuse_waiting(true);
  }
}

void StoreWriter::refuse_all_queued() {
  if (queue_.empty()) return;
  log_warn("store_intents_fenced").kv("refused", queue_.size());
  for (const Intent& intent : queue_) report(intent, WriteOutcome::kRefused);
  queue_.clear();
}

void StoreWriter::report(const Intent& intent, WriteOutcome outcome) {
  if (intent.shard == kOwnIntent) return;
  reactor_.mailbox().send(intent.shard, StoreResult{intent.seq, outcome});
}

void StoreWriter::broadcast_availability() {
  for (uint32_t s = 0; s < shard_count_; ++s) {
    reactor_.mailbox().send(s, StoreAvailability{available_});
  }
}

}  // namespace ringside

#pragma once
// Group commit, on the I/O core: the shards' write intents (write_intent.h) queue here, and at
// the end of every loop iteration everything queued goes out as one transaction and one round
// trip on the PostgreSQL connection — so a launch storm costs one commit per iteration, not
// one per launch. One batch is in flight at a time, which keeps intents committing in the
// order they arrived (a retried write never lands after a newer one).
//
// Each intent's sender learns its outcome (StoreResult, model/messages.h): committed; refused (a
// request intent the database could not take: down, or not sent within kRequestWaitMs because the
// database is slower than the writes arriving, or its batch failed — the client gets 503 and
// retries); or delayed (a background intent whose batch
// failed: it stays queued, in order, and is retried until it commits, then reported
// committed). A background intent the server rejects outright (a statement error, not a lost
// connection) would fail forever: it is dropped with a loud log line, and the rest retried.
// Shards also hear when the database goes down and comes back
// (StoreAvailability), so they refuse writes at once instead of queueing them.
//
// Cluster mode (set_fence_on_loss): the connection carries the partition locks, and losing it
// loses every partition (docs/cluster.md). Nothing queued before a loss may then be sent on the
// next connection, which holds no lock: at the loss every queued and in-flight intent is
// refused, background ones too (what that can lose, and why it is acceptable: docs/cluster.md,
// "Writes at a loss"). Intents a shard sent before it dropped its lost partitions are refused
// while the I/O core fences that shard (set_refusing).
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mailbox.h"
#include "core/reactor.h"
#include "model/messages.h"
#include "model/webhook_event.h"
#include "store/durable/write_intent.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class StoreWriter {
 public:
  static constexpr uint64_t kRequestWaitMs = 2000;
  static constexpr size_t kMaxIntentsPerBatch = 4096;
  static constexpr uint32_t kOwnIntent = UINT32_MAX;  // Intent::shard of submit_own()
  // Pause before resending a batch a transient server error failed.
  static constexpr uint64_t kTransientRetryMs = 500;

  // Registers a batch-end hook on `reactor`: construct before the connection's PgPoller.
  StoreWriter(Reactor& reactor, PgConnection& connection, uint32_t shard_count);
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Queues an intent from shard `from` (a StoreWrite message's bytes).
  void submit(uint32_t from, std::string_view intent);
  // Told of every webhook outbox row (kStmtInsertWebhook) once its intent committed, in commit
  // order, with its seq (docs/webhooks.md): the sender takes it from here.
  using OutboxListener = std::function<void(WebhookEvent&& event)>;
  void set_outbox_listener(OutboxListener listener) { outbox_listener_ = std::move(listener); }
  // Queues a background intent of the I/O core's own (nobody hears its outcome).
  void submit_own(std::string_view intent);
  // To be called with every state change of the connection.
  void on_connection_state(PgConnection::State state, std::string_view why);
  // Cluster mode: refuse everything queued and in flight when the connection is lost.
  void set_fence_on_loss(bool fence) { fence_on_loss_ = fence; }
  // While set, every intent from `shard` is refused as it arrives (background ones too).
  void set_refusing(uint32_t shard, bool refusing);

  // A mark after every intent queued so far; settled(mark) once each of them has committed
  // or been refused (a hand-over waits for it before the lock is given up).
  uint64_t mark() const { return ordinals_; }
  bool settled(uint64_t mark) const;

  bool available() const { return available_; }
  // Nothing queued and nothing in flight: every accepted write is committed.
  bool idle() const { return queue_.empty() && !batch_in_flight_; }
  size_t queued() const { return queue_.size(); }
  uint64_t batches_committed() const { return batches_committed_; }
  uint64_t intents_committed() const { return intents_committed_; }

 private:
  struct Intent {
    std::string bytes;
    uint64_t seq = 0;
    uint64_t ordinal = 0;  // in the order submitted (mark(), settled())
    uint64_t queued_ms = 0;
    uint32_t shard = 0;
    uint32_t first_statement = 0;  // in its batch
    WriteClass cls = WriteClass::kRequest;
    bool delayed = false;  // its sender was told kDelayed
    bool refused = false;  // a statement of it changed nothing it had to (see statements.h)
  };

  static void on_batch_end(void* ctx);
  static void on_wakeup(TimerNode* node);
  void arm_wakeup();
  void send_batch();
  PgStatementCallback outbox_row_check(const PgParams& params);
  void on_batch_done(const PgError* error);
  // For the intents waiting too long for the database (all of them when `all`): refuses the
  // requests, and tells the senders of background ones they are delayed.
  void refuse_waiting(bool all);
  void report(const Intent& intent, WriteOutcome outcome);
  // Cluster mode, at a loss: refuses every queued intent.
  void refuse_all_queued();
  void broadcast_availability();

  Reactor& reactor_;
  PgConnection& connection_;
  uint32_t shard_count_;
  std::deque<Intent> queue_;
  std::vector<Intent> batch_;  // in flight
  PgParams params_;
  bool batch_in_flight_ = false;
  uint64_t retry_at_ms_ = 0;  // no batch before this (after a transient failure)
  TimerNode wakeup_;
  bool available_ = true;  // as last told to the shards
  bool fence_on_loss_ = false;
  bool fenced_batch_ = false;   // the batch in flight was sent before a loss
  std::vector<bool> refusing_;  // by shard
  uint64_t ordinals_ = 0;       // intents submitted so far
  OutboxListener outbox_listener_;
  std::vector<WebhookEvent> outbox_rows_;  // inserted by the batch in flight, once it commits
  uint64_t batches_committed_ = 0;
  uint64_t intents_committed_ = 0;
};

}  // namespace ringside

#pragma once
// The retention sweep, on the I/O core (docs/retention.md): what the API can no longer show is
// deleted in small batches — each player's ended sessions beyond the newest kHistoryKept, and
// token sessions an hour past their expiry and their replaced token's grace. Active sessions,
// save slots, players and live tokens are never touched.
//
// One statement (kStmtSweepRetention: a few hundred rows looked at per table) per interval, as
// its own batch on the group-commit connection, sent only while the StoreWriter is idle and
// nothing else is in flight: a write batch never waits for a sweep to be sent, and one that
// arrives while a sweep runs waits behind that one small statement only. Its marks live in
// `settings`, so the walk resumes where it was after a restart.
#include <cstdint>

#include "core/reactor.h"
#include "store/durable/store_writer.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class RetentionSweep {
 public:
  static constexpr uint32_t kRowsPerSweep = 256;          // looked at per table and statement
  // After expiry and grace: also covers the lazy write-back's lag (at most
  // TokenStore::kMaxWriteBackStepMs and a flush, docs/postgres.md).
  static constexpr uint64_t kTokenKeptAfterMs = 3600000;
  // A token's expires_at in the database lags its use while the database is away (shards keep
  // the times and send them lazily once it is back): after a reconnect, no sweep until the
  // connection has been up this long, several lazy-write intervals, so an outage longer than
  // the token TTL does not make live tokens look dead.
  static constexpr uint64_t kSettleAfterReconnectMs = 30000;

  struct Swept {
    uint64_t sessions = 0;
    uint64_t tokens = 0;
  };
  // Told what each committed sweep deleted.
  using Listener = void (*)(void* ctx, const Swept& swept);

  // Registers a batch-end hook: construct after the StoreWriter (its hook decides first
  // whether a write batch goes out) and before the connection's PgPoller (which flushes).
  RetentionSweep(Reactor& reactor, PgConnection& connection, const StoreWriter& writer,
                 uint64_t interval_ms, Listener listener, void* listener_ctx,
                 uint64_t settle_after_reconnect_ms = kSettleAfterReconnectMs);
  ~RetentionSweep();
  RetentionSweep(const RetentionSweep&) = delete;
  RetentionSweep& operator=(const RetentionSweep&) = delete;

 private:
  struct Timer : TimerNode {
    RetentionSweep* sweep = nullptr;
  };

  static void on_batch_end(void* ctx);
  static void on_timer(TimerNode* node);
  void send();

  Reactor& reactor_;
  PgConnection& connection_;
  const StoreWriter& writer_;
  uint64_t interval_ms_;
  Listener listener_;
  void* listener_ctx_;
  Timer timer_;
  PgParams params_;
  Swept pending_;     // counted by the statement, reported once its batch commits
  bool due_ = false;  // the interval passed; waiting for an idle moment
  uint64_t settle_ms_;
  bool was_ready_ = false;     // the connection has been ready once
  bool reconnecting_ = false;  // it was lost after that, and is not back yet
  uint64_t settled_at_ms_ = 0;
  bool in_flight_ = false;
};

}  // namespace ringside

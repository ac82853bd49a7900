#pragma once
// The ownership protocol of one node (docs/cluster.md), on the I/O core, over the write
// connection the StoreWriter uses — a lock is only worth something on the connection the
// writes travel on. Every heartbeat_ms one round: heartbeat (registering the connection's
// pid), read the members and the locks, then terminate nodes silent past dead-after, ask the
// node to hand over partitions targeted elsewhere, and try to lock free partitions targeted
// here. One batch of ours is in flight at a time, so every read sees all our earlier effects.
//
// The listener hears, on the I/O core's thread:
// - partition_acquired(p): the lock is ours; load p and serve it.
// - partition_lost(p): the lock is gone (the connection dropped, or the lock vanished): stop
//   serving p at once; refuse its queued writes. Also for a partition being handed over.
// - release_requested(p): p goes to another node; stop serving it, drop it, and call
//   released(p) once every write for it has committed. Only then is the lock given up.
// - routes_changed: where partitions are served now.
// - lease_renewed(until): a heartbeat sent at `until - lease_valid_ms` committed; answer
//   from memory until then (local monotonic ms), no longer.
// - left(): after leave(), everything is handed over and the row is gone (or the connection
//   went down, which released everything): the process may exit.
// - joining_members(members): with Options::admit_later, until admit(): the members as read in
//   a round sent after this connection's registration had committed, so every node that
//   registered before us is among them.
//
// A connection loss (on_connection_state(kDown)) loses every partition; when the connection
// is back the next round registers the new pid and acquires again. Not thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "store/cluster/cluster_timing.h"
#include "store/cluster/cluster_view.h"
#include "store/cluster/ownership_plan.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class OwnershipListener {
 public:
  virtual ~OwnershipListener() = default;
  virtual void partition_acquired(uint16_t partition) = 0;
  virtual void partition_lost(uint16_t partition) = 0;
  virtual void release_requested(uint16_t partition) = 0;
  virtual void routes_changed(const ClusterRoutes& routes) = 0;
  virtual void lease_renewed(uint64_t valid_until_ms) = 0;
  virtual void left() = 0;
  virtual void joining_members(const std::vector<ClusterMember>& /*members*/) {}
};

class PartitionOwnership {
 public:
  struct Options {
    std::string node_id;
    std::string advertise;  // HOST:PORT
    ClusterTiming timing;
    std::string save_root_nonce;  // written into the row; empty: none
    // Registered as leaving — no partition's target, so it takes none and nobody hands it
    // any — until admit(). The listener hears the members meanwhile (joining_members).
    bool admit_later = false;
  };

  // Arms the round timer on `reactor`'s wheel. Construct on the reactor's thread.
  PartitionOwnership(Reactor& reactor, PgConnection& connection, Options options,
                     OwnershipListener& listener);
  ~PartitionOwnership();
  PartitionOwnership(const PartitionOwnership&) = delete;
  PartitionOwnership& operator=(const PartitionOwnership&) = delete;

  // To be called with every state change of the connection.
  void on_connection_state(PgConnection::State state, std::string_view why);
  // The shard dropped p and its writes committed: give up the lock.
  void released(uint16_t partition);
  // SIGTERM: mark the row leaving, hand everything over, delete the row, then left().
  void leave();
  // With Options::admit_later: a target, taking partitions, from the next round on.
  void admit();
  bool admitted() const { return admitted_; }

  // Acquired and neither lost nor handed over.
  bool holds(uint16_t partition) const;
  const OwnershipCounters& counters() const { return counters_; }
  ClusterSnapshot snapshot() const;
  const ClusterRoutes& routes() const { return routes_; }

 private:
  enum class Hold : uint8_t {
    kFree,       // not ours (as far as we know)
    kHeld,       // acquired, reported
    kReleasing,  // release_requested, waiting for released()
    kUnlocking,  // released (or a stray lock): the unlock is queued or in flight
  };

  static void on_round_timer(TimerNode* node);
  void round();
  void on_round_read(const std::vector<ClusterMember>& members,
                     const std::vector<PartitionLock>& locks, bool registered, uint64_t sent_ms,
                     bool sent_registered);
  // Lock state as read vs what we believe: losses, and locks we hold without knowing.
  void reconcile(const std::vector<PartitionLock>& locks, const RoundPlan& plan);
  void converge(const RoundPlan& plan);
  void send_unlocks();
  // After each batch of ours: the next queued work, or the end of a leave.
  void batch_finished();
  void lose_everything(std::string_view why);
  void set_hold(uint16_t partition, Hold hold);
  void publish_routes();
  bool stale(uint64_t epoch) const { return epoch != epoch_ || !connection_.ready(); }

  Reactor& reactor_;
  PgConnection& connection_;
  Options options_;
  OwnershipListener& listener_;
  struct RoundTimer : TimerNode {
    PartitionOwnership* owner = nullptr;
  };
  RoundTimer timer_;
  std::vector<Hold> hold_;
  std::vector<uint16_t> unlock_queue_;
  bool in_flight_ = false;
  bool leaving_ = false;
  bool left_ = false;
  bool admitted_ = true;
  bool registered_ = false;  // a heartbeat on this connection committed
  uint64_t epoch_ = 0;       // bumped on every connection loss: older callbacks are ignored
  std::vector<ClusterMember> members_;  // as of the last round
  std::vector<PartitionLock> locks_;
  ClusterRoutes routes_;
  OwnershipCounters counters_;
  PgParams params_;
};

}  // namespace ringside

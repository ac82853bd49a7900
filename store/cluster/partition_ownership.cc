#include "store/cluster/partition_ownership.h"

#include <charconv>
#include <memory>
#include <utility>

#include "core/log.h"
#include "model/partition.h"
#include "store/cluster/ownership_sql.h"

namespace ringside {
namespace {

int64_t to_int(std::string_view text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

std::vector<ClusterMember> read_members(const PgResult& r) {
  std::vector<ClusterMember> out;
  for (int row = 0; row < r.rows(); ++row) {
    ClusterMember m;
    m.node_id = std::string(r.text(row, 0));
    m.advertise = std::string(r.text(row, 1));
    m.backend_pid = static_cast<int32_t>(to_int(r.text(row, 2)));
    m.heartbeat_age_ms = static_cast<uint64_t>(to_int(r.text(row, 3)));
    m.leaving = r.text(row, 4) == "t";
    m.connected = r.text(row, 5) == "t";
    m.last_heartbeat = std::string(r.text(row, 6));
    m.save_root_nonce = std::string(r.text(row, 7));
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<PartitionLock> read_locks(const PgResult& r) {
  std::vector<PartitionLock> out;
  for (int row = 0; row < r.rows(); ++row) {
    const int64_t p = to_int(r.text(row, 0));
    if (p < 0 || p >= kPartitionCount) continue;
    out.push_back({static_cast<uint16_t>(p), std::string(r.text(row, 1)), r.text(row, 2) == "t"});
  }
  return out;
}

}  // namespace

PartitionOwnership::PartitionOwnership(Reactor& reactor, PgConnection& connection, Options options,
                                       OwnershipListener& listener)
    : reactor_(reactor),
      connection_(connection),
      options_(std::move(options)),
      listener_(listener),
      hold_(kPartitionCount, Hold::kFree),
      admitted_(!options_.admit_later) {
  routes_.nodes.push_back({options_.node_id, options_.advertise});
  routes_.owner.assign(kPartitionCount, -1);
  timer_.owner = this;
  timer_.on_fire = &PartitionOwnership::on_round_timer;
  reactor_.timers().arm(&timer_, reactor_.now_ms() + options_.timing.heartbeat_ms);
}

PartitionOwnership::~PartitionOwnership() { reactor_.timers().cancel(&timer_); }

void PartitionOwnership::on_round_timer(TimerNode* node) {
  PartitionOwnership* self = static_cast<RoundTimer*>(node)->owner;
  self->reactor_.timers().arm(&self->timer_,
                              self->reactor_.now_ms() + self->options_.timing.heartbeat_ms);
  self->round();
}

void PartitionOwnership::on_connection_state(PgConnection::State state, std::string_view why) {
  if (state == PgConnection::State::kReady) {
    log_info("cluster_connected").kv("node", options_.node_id);
    round();
    return;
  }
  if (state == PgConnection::State::kDown) lose_everything(why);
}

void PartitionOwnership::lose_everything(std::string_view why) {
  ++epoch_;
  in_flight_ = false;
  registered_ = false;
  unlock_queue_.clear();
  uint64_t lost = 0;
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    const Hold was = hold_[p];
    set_hold(p, Hold::kFree);
    if (was == Hold::kHeld || was == Hold::kReleasing) {
      ++lost;
      listener_.partition_lost(p);
    }
  }
  log_warn("cluster_connection_lost").kv("node", options_.node_id).kv("lost", lost).kv("why", why);
  for (int& owner : routes_.owner) {
    if (owner == 0) owner = -1;
  }
  listener_.routes_changed(routes_);
  // Nothing is held any more: a leave is over (the others take everything once our silent
  // row passes dead-after).
  if (leaving_ && !left_) {
    left_ = true;
    listener_.left();
  }
}

void PartitionOwnership::round() {
  if (in_flight_ || left_ || !connection_.ready()) return;
  const uint64_t epoch = epoch_;
  const uint64_t sent_ms = reactor_.now_ms();
  const bool sent_registered = registered_;
  struct Read {
    bool registered = false;
    std::vector<ClusterMember> members;
    std::vector<PartitionLock> locks;
  };
  auto read = std::make_shared<Read>();
  if (!connection_.begin([this, epoch, sent_ms, sent_registered, read](const PgError* error) {
        if (stale(epoch)) return;
        in_flight_ = false;
        if (error) {
          log_warn("cluster_round_failed").kv("node", options_.node_id).kv("error", error->message);
          return;
        }
        on_round_read(read->members, read->locks, read->registered, sent_ms, sent_registered);
      })) {
    return;
  }
  in_flight_ = true;
  const std::string dead_after = std::to_string(options_.timing.dead_after_ms);
  params_.clear();
  connection_.query(ownership_sql::kEvictStaleSelf,
                    params_.add(options_.node_id).add(std::string_view(dead_after)));
  params_.clear();
  params_.add(options_.node_id)
      .add(options_.advertise)
      .add(leaving_ || !admitted_)
      .add(std::string_view(dead_after))
      .add(options_.save_root_nonce);
  connection_.query(ownership_sql::kHeartbeat, params_, [read](const PgResult* r, const PgError*) {
    if (r) read->registered = r->affected_rows() == 1;
  });
  connection_.query(ownership_sql::kMembers, {}, [read](const PgResult* r, const PgError*) {
    if (r) read->members = read_members(*r);
  });
  connection_.query(ownership_sql::kLocks, {}, [read](const PgResult* r, const PgError*) {
    if (r) read->locks = read_locks(*r);
  });
  connection_.commit();
}

void PartitionOwnership::on_round_read(const std::vector<ClusterMember>& members,
                                       const std::vector<PartitionLock>& locks, bool registered,
                                       uint64_t sent_ms, bool sent_registered) {
  if (!registered) {
    // Another live connection holds our node id: a second process with the same --node-id.
    log_error("cluster_node_id_in_use").kv("node", options_.node_id);
    batch_finished();
    return;
  }
  registered_ = true;
  ++counters_.rounds;
  counters_.last_heartbeat_sent_ms = sent_ms;
  listener_.lease_renewed(lease_valid_until(sent_ms, options_.timing));
  members_ = members;
  locks_ = locks;
  // As the row says this round (an admit() from the listener counts from the next one).
  const bool out = leaving_ || !admitted_;
  // Read after our registration committed: whoever registered before us is in it (a node
  // registering at the same time will find us in its own such read).
  if (!admitted_ && sent_registered) listener_.joining_members(members);
  const RoundPlan plan = plan_round(members, locks, options_.node_id, out, options_.timing);
  reconcile(locks, plan);
  converge(plan);
}

void PartitionOwnership::reconcile(const std::vector<PartitionLock>& locks, const RoundPlan& plan) {
  std::vector<bool> mine(kPartitionCount, false);
  for (const PartitionLock& lock : locks) {
    if (lock.mine) mine[lock.partition] = true;
  }
  std::vector<bool> release(kPartitionCount, false);
  for (uint16_t p : plan.release) release[p] = true;
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    const Hold h = hold_[p];
    if ((h == Hold::kHeld || h == Hold::kReleasing) && !mine[p]) {
      log_error("cluster_lock_vanished").kv("node", options_.node_id).kv("partition", p);
      set_hold(p, Hold::kFree);
      ++counters_.ownership_changes;
      listener_.partition_lost(p);
    } else if (h == Hold::kFree && mine[p]) {
      // Locked by a batch whose answer we never saw (it failed after the lock was granted:
      // a session lock outlives its transaction). Keep it if it is ours to have.
      if (release[p]) {
        set_hold(p, Hold::kUnlocking);
        unlock_queue_.push_back(p);
      } else {
        set_hold(p, Hold::kHeld);
        ++counters_.ownership_changes;
        listener_.partition_acquired(p);
      }
    }
  }
  for (uint16_t p : plan.release) {
    if (hold_[p] != Hold::kHeld) continue;
    set_hold(p, Hold::kReleasing);
    listener_.release_requested(p);
  }
}

void PartitionOwnership::converge(const RoundPlan& plan) {
  std::vector<uint16_t> acquire;
  for (uint16_t p : plan.acquire) {
    if (hold_[p] == Hold::kFree) acquire.push_back(p);
  }
  if (plan.terminate.empty() && acquire.empty()) {
    publish_routes();
    batch_finished();
    return;
  }
  const uint64_t epoch = epoch_;
  if (!connection_.begin([this, epoch](const PgError* error) {
        if (stale(epoch)) return;
        in_flight_ = false;
        if (error) {
          // Locks its try-locks took before the failure are found at the next read.
          log_warn("cluster_converge_failed")
              .kv("node", options_.node_id)
              .kv("error", error->message);
        }
        publish_routes();
        batch_finished();
      })) {
    return;
  }
  in_flight_ = true;
  const std::string dead_after = std::to_string(options_.timing.dead_after_ms);
  for (const ClusterMember& dead : plan.terminate) {
    log_warn("cluster_node_dead")
        .kv("node", options_.node_id)
        .kv("dead", dead.node_id)
        .kv("heartbeat_age_ms", dead.heartbeat_age_ms);
    params_.clear();
    params_.add(dead.node_id).add(int64_t{dead.backend_pid}).add(std::string_view(dead_after));
    connection_.query(ownership_sql::kTerminate, params_);
  }
  for (uint16_t p : acquire) {
    params_.clear();
    connection_.query(ownership_sql::kTryLock, params_.add(int64_t{p}),
                      [this, p, epoch](const PgResult* r, const PgError*) {
                        if (stale(epoch) || !r || r->text(0, 0) != "t") return;
                        set_hold(p, Hold::kHeld);
                        ++counters_.ownership_changes;
                        listener_.partition_acquired(p);
                      });
  }
  connection_.commit();
}

void PartitionOwnership::released(uint16_t partition) {
  if (partition >= kPartitionCount || hold_[partition] != Hold::kReleasing) return;
  set_hold(partition, Hold::kUnlocking);
  ++counters_.ownership_changes;
  unlock_queue_.push_back(partition);
  if (!in_flight_) send_unlocks();
}

void PartitionOwnership::send_unlocks() {
  if (unlock_queue_.empty() || in_flight_ || !connection_.ready()) return;
  std::vector<uint16_t> batch = std::move(unlock_queue_);
  unlock_queue_.clear();
  const uint64_t epoch = epoch_;
  if (!connection_.begin([this, epoch, batch](const PgError* error) {
        if (stale(epoch)) return;
        in_flight_ = false;
        if (error) {
          // Still locked: the next read finds them ours but targeted elsewhere, and unlocks.
          log_warn("cluster_unlock_failed")
              .kv("node", options_.node_id)
              .kv("error", error->message);
        }
        for (uint16_t p : batch) set_hold(p, Hold::kFree);
        publish_routes();
        batch_finished();
      })) {
    unlock_queue_ = std::move(batch);
    return;
  }
  in_flight_ = true;
  for (uint16_t p : batch) {
    params_.clear();
    connection_.query(ownership_sql::kUnlock, params_.add(int64_t{p}));
  }
  connection_.commit();
  log_info("cluster_released").kv("node", options_.node_id).kv("partitions", batch.size());
}

void PartitionOwnership::batch_finished() {
  if (!unlock_queue_.empty()) {
    send_unlocks();
    return;
  }
  if (!leaving_ || left_ || in_flight_ || !connection_.ready()) return;
  for (Hold h : hold_) {
    if (h != Hold::kFree) return;
  }
  // Handed everything over: the row goes, and the others stop waiting for our heartbeat.
  const uint64_t epoch = epoch_;
  if (!connection_.begin([this, epoch](const PgError* error) {
        if (stale(epoch)) return;
        in_flight_ = false;
        if (error) return;  // the next round tries again
        left_ = true;
        log_info("cluster_left").kv("node", options_.node_id);
        listener_.left();
      })) {
    return;
  }
  in_flight_ = true;
  params_.clear();
  connection_.query(ownership_sql::kDeleteSelf, params_.add(options_.node_id));
  connection_.commit();
}

void PartitionOwnership::leave() {
  if (leaving_) return;
  leaving_ = true;
  log_info("cluster_leaving")
      .kv("node", options_.node_id)
      .kv("partitions", counters_.partitions_owned);
  round();
}

void PartitionOwnership::admit() {
  if (admitted_) return;
  admitted_ = true;
  log_info("cluster_admitted").kv("node", options_.node_id);
}

bool PartitionOwnership::holds(uint16_t partition) const {
  return partition < kPartitionCount &&
         (hold_[partition] == Hold::kHeld || hold_[partition] == Hold::kReleasing);
}

void PartitionOwnership::set_hold(uint16_t partition, Hold hold) {
  const bool was = holds(partition);
  hold_[partition] = hold;
  const bool now = holds(partition);
  if (was && !now) --counters_.partitions_owned;
  if (!was && now) ++counters_.partitions_owned;
}

// Others as the last read of the locks says; ourselves as we know it now.
void PartitionOwnership::publish_routes() {
  ClusterRoutes routes;
  routes.nodes.push_back({options_.node_id, options_.advertise});
  for (const ClusterMember& m : members_) {
    if (m.node_id != options_.node_id) routes.nodes.push_back({m.node_id, m.advertise});
  }
  routes.owner.assign(kPartitionCount, -1);
  for (const PartitionLock& lock : locks_) {
    if (lock.mine || lock.node_id.empty() || lock.node_id == options_.node_id) continue;
    for (size_t i = 1; i < routes.nodes.size(); ++i) {
      if (routes.nodes[i].node_id == lock.node_id)
        routes.owner[lock.partition] = static_cast<int>(i);
    }
  }
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    if (holds(p)) routes.owner[p] = 0;
  }
  if (routes == routes_) return;
  routes_ = std::move(routes);
  listener_.routes_changed(routes_);
}

ClusterSnapshot PartitionOwnership::snapshot() const {
  ClusterSnapshot snap;
  snap.partitions = kPartitionCount;
  for (const ClusterMember& m : members_) {
    ClusterSnapshot::Node node;
    node.node_id = m.node_id;
    node.advertise = m.advertise;
    node.last_heartbeat = m.last_heartbeat;
    node.self = m.node_id == options_.node_id;
    for (const PartitionLock& lock : locks_) {
      if (lock.node_id == m.node_id) ++node.partitions;
    }
    snap.nodes.push_back(std::move(node));
  }
  return snap;
}

}  // namespace ringside

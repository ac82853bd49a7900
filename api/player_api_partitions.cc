// A partition's life on its shard (docs/cluster.md, "A partition on its shard"): its rows
// arrive from the I/O core, it is served, and it is released: answered 503 from then on, what
// waits on it answered, its records dropped, and the I/O core told.
#include <memory>

#include "api/player_api.h"
#include "core/log.h"

namespace ringside {

bool PlayerApi::on_partition_rows(uint32_t from, const PartitionRows& m) {
  const std::unique_ptr<ShardState> rows(m.rows);  // ours now, taken or refused
  if (!rows || !from_io_about_mine(from, m.partition)) return false;
  const PartitionState state = partitions_.state(m.partition);
  if (state != PartitionState::kLoading) {
    // The first batch of a load. A partition not served holds nothing here (its release
    // dropped it, and nothing is created for it while refused); one served, and loaded again
    // without a release between, is dropped first, so that no record is here twice.
    partitions_.set(m.partition, PartitionState::kLoading);
    if (state == PartitionState::kServed) drop_partition(m.partition);
  }
  restore(*rows);  // what the start-up load runs, batch by batch
  return true;
}

bool PlayerApi::on_partition_serve(uint32_t from, const PartitionServe& m) {
  if (!from_io_about_mine(from, m.partition)) return false;
  // From loading, or from not served for a partition without rows.
  partitions_.set(m.partition, PartitionState::kServed);
  return true;
}

bool PlayerApi::on_partition_release(uint32_t from, const PartitionRelease& m) {
  if (!from_io_about_mine(from, m.partition)) return false;
  partitions_.set(m.partition, PartitionState::kNotServed);  // refused from here on
  drop_partition(m.partition);
  // The answer follows every write intent of the partition: each was sent to the I/O core
  // before this line (the requests and events that made them ran earlier on this thread, and
  // drop_partition sent the lazy ones), the ring from this shard to the I/O core delivers in
  // the order sent (a message that overflowed waits ahead of every later one,
  // core/mailbox.h), and with the partition's records gone nothing here can write for it
  // again. So when the I/O core reads this, every intent of the partition is queued there
  // ahead of it.
  reactor_.mailbox().send(runtime_.io_thread(), PartitionReleased{m.partition});
  return true;
}

bool PlayerApi::on_lease_deadline(uint32_t from, const LeaseDeadline& m) {
  if (from != runtime_.io_thread()) return false;
  partitions_.set_lease(m.valid_until_ms);
  return true;
}

void PlayerApi::drop_partition(uint16_t partition) {
  // The partition's keepalive times and token expiry leave before it does, exactly: those
  // marked (every partition's: a release is rare), then, in the walk that drops them, every
  // one of the partition's that moved by less than a step. With the database away they are
  // lost: the next owner reads what was written last, at most a step (a tenth of the idle
  // timeout or token lifetime) and a flush interval older, which only brings an idle end or
  // an expiry that much closer.
  flush_lazy_writes();
  held_.drop_partition(partition);  // may run pipelined requests: the partition is refused by now
  const bool write = durable() && held_.store_available();
  const int64_t ttl_ms = seconds(runtime_.config.token_ttl_s);
  // Token sessions first: they name players by an index the players' drop frees.
  touch_scratch_.clear();
  const size_t tokens = tokens_.drop_partition(
      [&](uint32_t player) { return sessions_.player(player).partition == partition; },
      [&](const TokenRecord& r) {
        if (write) touch_scratch_.push_back({r.seed, IdOwner{}, r.last_seen_ms + ttl_ms});
      });
  if (write) writes_->touch_tokens(touch_scratch_);
  touch_scratch_.clear();
  dropped_sessions_.clear();
  const size_t players = sessions_.drop_partition(partition, [&](const GameSession& s) {
    dropped_sessions_.push_back(s.id);
    if (write && s.active() && s.keepalive_unwritten()) {
      touch_scratch_.push_back({s.id, s.owner, s.last_keepalive_ms});
    }
  });
  if (write) writes_->touch_sessions(touch_scratch_);
  // Answered after the stores' walk: an answer may run the requests pipelined behind it
  // (HttpServer::complete), which may add to the stores.
  for (const Id128& id : dropped_sessions_) {
    events_.forget(id);
    stop_waiters_.refuse(id, &not_served);
  }
  log_info("partition_dropped")
      .kv("node", runtime_.config.node_id)
      .kv("shard", reactor_.self())
      .kv("partition", partition)
      .kv("players", players)
      .kv("tokens", tokens)
      .kv("sessions", dropped_sessions_.size());
}

}  // namespace ringside

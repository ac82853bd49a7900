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
  // The partition's keepalive times and token expiry leave before it does (every partition's
  // go: a release is rare). With the database away they are lost: the next owner reads times
  // at most kLazyWriteIntervalMs older, which only brings an idle end or an expiry that much
  // closer.
  flush_lazy_writes();
  held_.drop_partition(partition);  // may run pipelined requests: the partition is refused by now
  // Token sessions first: they name players by an index the players' drop frees.
  const size_t tokens = tokens_.drop_partition(
      [&](uint32_t player) { return sessions_.player(player).partition == partition; });
  dropped_sessions_.clear();
  const size_t players = sessions_.drop_partition(
      partition, [&](const GameSession& s) { dropped_sessions_.push_back(s.id); });
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

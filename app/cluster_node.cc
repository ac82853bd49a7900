#include "app/cluster_node.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <utility>

#include "core/log.h"
#include "model/messages.h"
#include "store/cluster/cluster_json.h"

namespace ringside {
namespace {

// A partition nobody serves at the moment: kNoOwner of the shards' routing table
// (model/node_routes.h).
constexpr uint16_t kUnrouted = 0xffff;

// HOST:PORT (HOST may be a bracketed IPv6 literal) as a PeerNode, when HOST is an IP literal:
// shards never resolve names.
bool peer_address(const std::string& advertise, PeerNode* out) {
  const size_t colon = advertise.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = advertise.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const char* end = advertise.data() + advertise.size();
  if (std::from_chars(advertise.data() + colon + 1, end, port).ptr != end || port == 0 ||
      port > 65535 || host.size() >= sizeof out->host) {
    return false;
  }
  unsigned char addr[16];
  if (inet_pton(AF_INET, host.c_str(), addr) != 1 && inet_pton(AF_INET6, host.c_str(), addr) != 1) {
    return false;
  }
  snprintf(out->host, sizeof out->host, "%s", host.c_str());
  out->port = static_cast<uint16_t>(port);
  return true;
}

}  // namespace

ClusterNode::ClusterNode(const Runtime& runtime, Reactor& reactor, PgConnection& connection,
                         StoreWriter& writer, SessionPlacement& placement, StoreMetrics& metrics,
                         PartitionLoadFn load, ClusterTiming timing)
    : runtime_(runtime),
      reactor_(reactor),
      writer_(writer),
      placement_(placement),
      metrics_(metrics),
      loader_(reactor, std::move(load)),
      fences_(runtime.shard_count(), 0) {
  routed_.fill(kUnrouted);
  writer_.set_fence_on_loss(true);
  reactor_.mailbox().set_handler<&ClusterNode::on_partition_released>(this);
  reactor_.add_batch_end_hook(&ClusterNode::on_batch_end, this);
  PartitionOwnership::Options o;
  o.node_id = runtime_.config.node_id;
  o.advertise =
      runtime_.config.advertise_host + ":" + std::to_string(runtime_.config.advertise_port);
  o.timing = timing;
  if (!runtime_.config.save_root_nonce.empty()) {
    o.save_root_nonce = runtime_.config.save_root_nonce;
    o.admit_later = true;
    save_root_check_ = std::make_unique<SaveRootCheck>(
        reactor_, runtime_.config.save_root, runtime_.config.node_id, timing.dead_after_ms,
        [this] { ownership_->admit(); },
        [this](const SaveRootReading& r, const std::string& path) {
          save_root_not_shared(r, path);
        });
  }
  ownership_ = std::make_unique<PartitionOwnership>(reactor_, connection, std::move(o), *this);
}

ClusterNode::~ClusterNode() { reactor_.remove_batch_end_hook(&ClusterNode::on_batch_end, this); }

void ClusterNode::on_connection_state(PgConnection::State state, std::string_view why) {
  ownership_->on_connection_state(state, why);
}

void ClusterNode::leave(std::function<void()> on_left) {
  if (leaving_) return;
  leaving_ = true;
  on_left_ = std::move(on_left);
  ownership_->leave();
}

bool ClusterNode::serves(uint16_t partition) const {
  return partition < kPartitionCount && parts_[partition].stage == Stage::kServing;
}

void ClusterNode::write_json(JsonWriter& out) const {
  write_cluster_json(ownership_->snapshot(), out);
}

// ---- ownership's decisions ---------------------------------------------------------------

void ClusterNode::partition_acquired(uint16_t partition) {
  Partition& p = parts_[partition];
  if (p.stage != Stage::kIdle) {
    // Still settling a hand-over of the same partition: cannot be (its lock is ours until
    // released). Logged, and loaded again from scratch.
    log_error("cluster_acquired_twice")
        .kv("node", runtime_.config.node_id)
        .kv("partition", partition);
  }
  p.stage = Stage::kLoading;
  ++p.generation;
  to_load_.push_back(partition);
}

void ClusterNode::partition_lost(uint16_t partition) {
  Partition& p = parts_[partition];
  const bool was_serving = p.stage == Stage::kServing;
  switch (p.stage) {
    case Stage::kLoading:
    case Stage::kHandBack:
      ++p.generation;  // its rows, when they come, are dropped: the shard never had them
      break;
    case Stage::kServing:
      release_on_shard(partition);
      fence(partition);
      break;
    case Stage::kReleasing:
      fence(partition);  // PartitionRelease is on its way already
      break;
    case Stage::kSettling:
    case Stage::kIdle:
      break;
  }
  p.stage = Stage::kIdle;
  if (was_serving && serving_listener_) serving_listener_(partition, false);
  log_info("cluster_partition_lost").kv("node", runtime_.config.node_id).kv("partition", partition);
}

void ClusterNode::release_requested(uint16_t partition) {
  Partition& p = parts_[partition];
  if (p.stage == Stage::kLoading) {
    ++p.generation;
    p.stage = Stage::kHandBack;
    giving_back_.push_back(partition);
    return;
  }
  if (p.stage != Stage::kServing) return;
  release_on_shard(partition);
  p.stage = Stage::kReleasing;
  if (serving_listener_) serving_listener_(partition, false);
}

// The shard stops answering for it; placement forgets its sessions (they keep running, and
// the next owner adopts them). A stop or launch the shard sent before it took the release
// finds placement without the session: the answer reaches the shard after the release.
void ClusterNode::release_on_shard(uint16_t partition) {
  reactor_.mailbox().send(shard_of(partition), PartitionRelease{partition});
  const size_t forgotten = placement_.forget_partition(partition);
  if (forgotten > 0) {
    log_info("cluster_sessions_forgotten")
        .kv("node", runtime_.config.node_id)
        .kv("partition", partition)
        .kv("sessions", forgotten);
  }
}

// Lost while its shard held it: what the shard still sends for it would be written without
// the lock, so the shard's intents are refused until it answers the release.
void ClusterNode::fence(uint16_t partition) {
  Partition& p = parts_[partition];
  if (p.fenced) return;
  p.fenced = true;
  const uint32_t shard = shard_of(partition);
  if (fences_[shard]++ == 0) writer_.set_refusing(shard, true);
}

bool ClusterNode::on_partition_released(uint32_t from, const PartitionReleased& m) {
  if (m.partition >= kPartitionCount || from != shard_of(m.partition)) return false;
  Partition& p = parts_[m.partition];
  if (p.fenced) {
    p.fenced = false;
    if (--fences_[from] == 0) writer_.set_refusing(from, false);
  }
  if (p.stage == Stage::kReleasing) {
    // Every intent of the partition came before this answer on the shard's ring: once those
    // queued so far have committed, the lock may go.
    p.stage = Stage::kSettling;
    p.writes_mark = writer_.mark();
    giving_back_.push_back(m.partition);
  }
  return true;
}

void ClusterNode::routes_changed(const ClusterRoutes& routes) {
  std::array<uint16_t, kPartitionCount> next;
  std::vector<uint16_t> slot_of_node(routes.nodes.size(), kUnrouted);
  for (size_t i = 0; i < routes.nodes.size(); ++i) slot_of_node[i] = slot_of(routes.nodes[i]);
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    const int owner = p < routes.owner.size() ? routes.owner[p] : -1;
    next[p] = owner < 0 || static_cast<size_t>(owner) >= slot_of_node.size()
                  ? kUnrouted
                  : slot_of_node[static_cast<size_t>(owner)];
  }
  // Only what changed, in runs of one owner.
  uint32_t runs = 0;
  for (uint16_t p = 0; p < kPartitionCount;) {
    if (next[p] == routed_[p]) {
      ++p;
      continue;
    }
    uint16_t end = p + 1;
    while (end < kPartitionCount && next[end] == next[p] && next[end] != routed_[end]) ++end;
    const PartitionRoutes m{p, static_cast<uint16_t>(end - p), next[p]};
    for (uint32_t s = 0; s < runtime_.shard_count(); ++s) reactor_.mailbox().send(s, m);
    ++runs;
    p = end;
  }
  routed_ = next;
  if (runs > 0) {
    log_info("cluster_routes")
        .kv("node", runtime_.config.node_id)
        .kv("nodes", routes.nodes.size())
        .kv("changed_runs", runs);
  }
}

// Slots are append-only: a node seen again at another address gets a new one.
uint16_t ClusterNode::slot_of(const ClusterNodeAddress& node) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].node == node) return slots_[i].announced ? static_cast<uint16_t>(i) : kUnrouted;
  }
  Slot slot{node, false};
  PeerNode m{};
  m.slot = static_cast<uint16_t>(slots_.size());
  snprintf(m.node_id, sizeof m.node_id, "%s", node.node_id.c_str());
  slot.announced = peer_address(node.advertise, &m);
  slots_.push_back(slot);
  if (!slot.announced) {
    // Its partitions stay unrouted (503 + Retry-After) rather than resolved on a shard.
    log_error("cluster_peer_address_unusable")
        .kv("node", runtime_.config.node_id)
        .kv("peer", node.node_id)
        .kv("advertise", node.advertise);
    return kUnrouted;
  }
  for (uint32_t s = 0; s < runtime_.shard_count(); ++s) reactor_.mailbox().send(s, m);
  log_info("cluster_peer")
      .kv("node", runtime_.config.node_id)
      .kv("peer", node.node_id)
      .kv("slot", m.slot)
      .kv("advertise", node.advertise);
  return m.slot;
}

void ClusterNode::lease_renewed(uint64_t valid_until_ms) {
  for (uint32_t s = 0; s < runtime_.shard_count(); ++s) {
    reactor_.mailbox().send(s, LeaseDeadline{valid_until_ms});
  }
}

void ClusterNode::left() {
  if (on_left_) std::exchange(on_left_, nullptr)();
}

void ClusterNode::joining_members(const std::vector<ClusterMember>& members) {
  if (save_root_check_) save_root_check_->members(members);
}

// The saves this node would write are not where the others read them, and the reverse: a
// session moving between nodes would start without its save. The node has taken no partition
// and is no partition's target (its row says leaving), so leaving now hands nothing over.
void ClusterNode::save_root_not_shared(const SaveRootReading& reading, const std::string& path) {
  log_error("cluster_save_root_not_shared")
      .kv("node", runtime_.config.node_id)
      .kv("peer", reading.peer)
      .kv("path", path)
      .kv("found", reading.found ? "another run's marker" : reading.error)
      .kv("fix", "every node needs the same --save-root directory (a shared file system)");
  _exit(1);
}

// ---- loading -----------------------------------------------------------------------------

void ClusterNode::on_batch_end(void* ctx) {
  auto* self = static_cast<ClusterNode*>(ctx);
  self->start_loads();
  if (!self->giving_back_.empty()) self->give_back();
  self->publish_metrics();
}

// Hand-overs whose writes have committed (or that never reached the shard) give the lock up.
void ClusterNode::give_back() {
  std::vector<uint16_t> waiting;
  for (uint16_t partition : giving_back_) {
    Partition& p = parts_[partition];
    if (p.stage == Stage::kHandBack ||
        (p.stage == Stage::kSettling && writer_.settled(p.writes_mark))) {
      p.stage = Stage::kIdle;
      ownership_->released(partition);
    } else if (p.stage == Stage::kSettling) {
      waiting.push_back(partition);
    }  // else lost meanwhile: nothing to give back
  }
  giving_back_ = std::move(waiting);
}

// The partitions acquired in one round (their try-locks answer in one batch) load together,
// in one snapshot on one connection.
void ClusterNode::start_loads() {
  if (to_load_.empty()) return;
  std::vector<uint16_t> partitions;
  std::vector<uint32_t> generations;
  for (uint16_t p : to_load_) {
    if (parts_[p].stage != Stage::kLoading) continue;
    partitions.push_back(p);
    generations.push_back(parts_[p].generation);
  }
  to_load_.clear();
  if (partitions.empty()) return;
  log_info("cluster_loading")
      .kv("node", runtime_.config.node_id)
      .kv("partitions", partitions.size());
  loader_.load(std::move(partitions),
               [this, generations](PartitionLoader::Result& r) { on_loaded(r, generations); });
}

void ClusterNode::on_loaded(PartitionLoader::Result& result,
                            const std::vector<uint32_t>& generations) {
  std::vector<std::vector<std::unique_ptr<ShardState>>> by_partition(result.partitions.size());
  std::array<int16_t, kPartitionCount> index;
  index.fill(-1);
  for (size_t i = 0; i < result.partitions.size(); ++i) {
    index[result.partitions[i]] = static_cast<int16_t>(i);
  }
  for (auto& [partition, batch] : result.batches) {
    if (index[partition] >= 0)
      by_partition[static_cast<size_t>(index[partition])].push_back(std::move(batch));
  }
  size_t served = 0;
  for (size_t i = 0; i < result.partitions.size(); ++i) {
    const uint16_t partition = result.partitions[i];
    Partition& p = parts_[partition];
    if (p.stage != Stage::kLoading || p.generation != generations[i]) continue;  // lost meanwhile
    if (!result.ok) {
      // Still ours, unreadable for now: loaded again at the next batch end.
      to_load_.push_back(partition);
      continue;
    }
    deliver(partition, by_partition[i]);
    ++served;
  }
  if (!result.ok) {
    log_warn("cluster_load_failed")
        .kv("node", runtime_.config.node_id)
        .kv("partitions", result.partitions.size())
        .kv("error", result.error);
    return;
  }
  log_info("cluster_loaded")
      .kv("node", runtime_.config.node_id)
      .kv("partitions", result.partitions.size())
      .kv("served", served);
}

// Rows, then the recovery of its active sessions (placement answers the shard, after the rows
// on the same ring), then serve.
void ClusterNode::deliver(uint16_t partition, std::vector<std::unique_ptr<ShardState>>& batches) {
  const uint32_t shard = shard_of(partition);
  std::vector<ActiveSession> active;
  for (std::unique_ptr<ShardState>& batch : batches) {
    for (const LoadedSession& s : batch->sessions) {
      if (s.status == SessionStatus::kStarting || s.status == SessionStatus::kRunning ||
          s.status == SessionStatus::kStopping) {
        active.push_back({s, static_cast<uint16_t>(shard)});
      }
    }
    reactor_.mailbox().send(shard, PartitionRows{batch.release(), partition});
  }
  if (!active.empty()) placement_.recover(active);
  parts_[partition].stage = Stage::kServing;
  reactor_.mailbox().send(shard, PartitionServe{partition});
  if (serving_listener_) serving_listener_(partition, true);
}

void ClusterNode::publish_metrics() {
  const OwnershipCounters& c = ownership_->counters();
  metrics_.partitions_owned.set(c.partitions_owned);
  metrics_.ownership_changes.set(c.ownership_changes);
  metrics_.heartbeat_sent_ms.set(c.last_heartbeat_sent_ms);
}

}  // namespace ringside

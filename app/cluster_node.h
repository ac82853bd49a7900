#pragma once
// Cluster mode on the I/O core (docs/cluster.md): the ownership protocol (PartitionOwnership,
// on the StoreWriter's connection) and what its decisions mean for this process.
//
// - acquired: the partitions acquired in one round are loaded together on the loader's
//   thread; then, for each one still ours, its rows go to its shard (PartitionRows), its active
//   sessions are recovered into placement, and the shard serves it (PartitionServe). A
//   partition lost or handed back while loading drops its result.
// - lost (the lock is gone): the shard stops serving it at once (PartitionRelease) and
//   placement forgets its sessions, which keep running. Nothing more is written for it: the
//   StoreWriter refused every intent queued at a connection loss, and refuses what the shard
//   sends until its PartitionReleased (the last message of the partition on that FIFO ring).
// - release requested (hand-over): PartitionRelease; on PartitionReleased, once every intent
//   queued before that answer has committed, ownership.released(p) gives the lock up.
// - routes: the node table (PeerNode, slots append-only) and where partitions are served
//   (PartitionRoutes, runs of one owner) to every shard; the lease (LeaseDeadline) likewise.
// - leave (SIGTERM): everything is handed over while this node still serves and forwards;
//   on_left runs once it is done.
// - the save root (a Docker-backed node, Config::save_root_nonce set): no partition is taken
//   until the peers registered before this node are found sharing --save-root
//   (app/save_root_check.h); a node that finds one not sharing it logs
//   cluster_save_root_not_shared and exits 1, never having held a partition.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/partition_loader.h"
#include "app/save_root_check.h"
#include "core/json_writer.h"
#include "core/reactor.h"
#include "model/metrics/store_metrics.h"
#include "model/partition.h"
#include "model/runtime.h"
#include "sched/session_placement.h"
#include "store/cluster/partition_ownership.h"
#include "store/durable/store_writer.h"

namespace ringside {

class ClusterNode final : public OwnershipListener {
 public:
  // Registers the PartitionReleased handler and a batch-end hook on `reactor`: construct on
  // its thread, after the StoreWriter and before the connection's PgPoller.
  ClusterNode(const Runtime& runtime, Reactor& reactor, PgConnection& connection,
              StoreWriter& writer, SessionPlacement& placement, StoreMetrics& metrics,
              PartitionLoadFn load, ClusterTiming timing = {});
  ~ClusterNode() override;
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Every state change of the write connection (after the StoreWriter heard it: the writer
  // refuses what was queued, then the partitions are released).
  void on_connection_state(PgConnection::State state, std::string_view why);
  // SIGTERM: hand everything over; `on_left` runs once that is done (or the connection is
  // gone, which released every lock).
  void leave(std::function<void()> on_left);
  bool leaving() const { return leaving_; }
  // Not yet known to share the save root with its peers: takes no partition.
  bool checking_save_root() const { return !ownership_->admitted(); }
  // Whether placement may start sessions of `partition`: it is served here.
  bool serves(uint16_t partition) const;
  // Told when a partition starts being served here (its rows delivered to its shard) and when
  // it stops (lost, or handed over): the webhook outbox reads its rows / lets its events go.
  using ServingListener = std::function<void(uint16_t partition, bool serving)>;
  void set_serving_listener(ServingListener listener) { serving_listener_ = std::move(listener); }

  // GET /cluster's body.
  void write_json(JsonWriter& out) const;
  const PartitionOwnership& ownership() const { return *ownership_; }

  // OwnershipListener, on the I/O core's thread.
  void partition_acquired(uint16_t partition) override;
  void partition_lost(uint16_t partition) override;
  void release_requested(uint16_t partition) override;
  void routes_changed(const ClusterRoutes& routes) override;
  void lease_renewed(uint64_t valid_until_ms) override;
  void left() override;
  void joining_members(const std::vector<ClusterMember>& members) override;

 private:
  enum class Stage : uint8_t {
    kIdle,       // not ours
    kLoading,    // acquired, its rows being read
    kServing,    // rows delivered, served by its shard
    kReleasing,  // handed over: PartitionRelease sent, waiting for PartitionReleased
    kSettling,   // released by the shard: waiting for its writes to commit
    kHandBack,   // handed over while loading: the lock is given up at the next batch end
  };
  struct Partition {
    Stage stage = Stage::kIdle;
    uint32_t generation = 0;   // bumped whenever a load under way stops mattering
    uint64_t writes_mark = 0;  // kSettling: StoreWriter::mark() at PartitionReleased
    bool fenced = false;       // lost while its shard held it: PartitionReleased unfences
  };

  bool on_partition_released(uint32_t from, const PartitionReleased& m);
  static void on_batch_end(void* ctx);
  void start_loads();
  void give_back();
  void on_loaded(PartitionLoader::Result& result, const std::vector<uint32_t>& generations);
  void deliver(uint16_t partition, std::vector<std::unique_ptr<ShardState>>& batches);
  void release_on_shard(uint16_t partition);
  void fence(uint16_t partition);
  uint16_t slot_of(const ClusterNodeAddress& node);
  void publish_metrics();
  void save_root_not_shared(const SaveRootReading& reading, const std::string& path);
  uint32_t shard_of(uint16_t partition) const {
    return shard_of_partition(partition, runtime_.shard_count());
  }

  const Runtime& runtime_;
  Reactor& reactor_;
  StoreWriter& writer_;
  SessionPlacement& placement_;
  StoreMetrics& metrics_;
  PartitionLoader loader_;
  std::array<Partition, kPartitionCount> parts_;
  std::vector<uint16_t> to_load_;      // acquired since the last batch end
  std::vector<uint16_t> giving_back_;  // kHandBack or kSettling
  std::vector<uint32_t> fences_;       // by shard: partitions lost whose release is not answered
  struct Slot {
    ClusterNodeAddress node;
    bool announced = false;  // its address is an IP literal, sent as PeerNode
  };
  std::vector<Slot> slots_;                         // [0] is this node
  std::array<uint16_t, kPartitionCount> routed_{};  // as last sent to the shards
  bool leaving_ = false;
  std::function<void()> on_left_;
  ServingListener serving_listener_;
  std::unique_ptr<SaveRootCheck> save_root_check_;  // Docker-backed nodes only
  std::unique_ptr<PartitionOwnership> ownership_;   // last: it reports to the members above
};

}  // namespace ringside

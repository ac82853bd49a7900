#pragma once
// With --database-url, the webhook outbox between the store and the sender (docs/webhooks.md),
// on the I/O core. An event's row commits with the state change it reports; the StoreWriter
// then hands it here (on_committed), and it goes to the sender — unless memory is full, or rows
// older than it still wait in the outbox: then it stays there, and the rows are read back
// oldest first (seq order) as memory frees, until a read comes back short. At start everything
// left undelivered is read back that way. Rows of delivered (or given up) events are deleted
// in one background intent per loop iteration.
//
// Why a short read settles it: reads go on the writer's connection, whose pipeline answers in
// order, so a commit reported before a read's answer was visible to that read, and one
// reported after it reaches on_committed once reads have stopped.
//
// In a cluster (`serves` given: ClusterNode::serves) only the rows of the partitions this node
// serves are read and delivered; the others' belong to the nodes serving them. A partition
// starting to be served here (acquired: ClusterNode::deliver) rewinds the reads to the first
// row: its rows left by the node that served it before — older than any this node committed,
// and not read so far — come oldest first, before its new events (which wait in the outbox
// meanwhile, as when spilled). Rows read again that were handed over already are known by
// `handed_`: one partition's rows are committed by one node at a time, in seq order, so a row
// at or below the newest seq handed over of its partition was handed over; such rows take no
// room, so while any lie ahead of the cursor a read asks for kRowsPerRead rows, not room().
// A partition no longer served (lost, handed over) takes its events out of the sender: their
// rows stay.
#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backends/webhook/webhook_sender.h"
#include "core/reactor.h"
#include "model/partition.h"
#include "store/durable/store_writer.h"
#include "store/durable/write_intent.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class WebhookOutbox {
 public:
  static constexpr size_t kRowsPerRead = 1000;

  // Registers a batch-end hook: construct after the StoreWriter and before the connection's
  // PgPoller (which flushes what the hook built).
  // `serves`: in a cluster, whether this node serves a partition; empty for a single node,
  // which delivers every row.
  WebhookOutbox(Reactor& reactor, PgConnection& connection, StoreWriter& writer,
                WebhookSender& sender, std::string node,
                std::function<bool(uint16_t partition)> serves = {});
  ~WebhookOutbox();
  WebhookOutbox(const WebhookOutbox&) = delete;
  WebhookOutbox& operator=(const WebhookOutbox&) = delete;

  // An outbox row committed (StoreWriter's outbox listener).
  void on_committed(WebhookEvent&& event);
  // The sender is done with an event: its row goes.
  void on_finished(const WebhookEvent& event);
  // In a cluster: this node serves `partition` from now on / no longer (its events leave the
  // sender at the batch end, together with those of every other partition that left).
  void partition_served(uint16_t partition);
  void partition_left(uint16_t partition);

 private:
  static void on_batch_end(void* ctx);
  void read_back();
  void delete_finished();
  void drop_left();
  // The served partitions as a smallint[] literal into served_; false: none.
  bool list_served();

  Reactor& reactor_;
  PgConnection& connection_;
  StoreWriter& writer_;
  WebhookSender& sender_;
  std::string node_;  // for the logs
  std::function<bool(uint16_t)> serves_;
  bool spilled_ = true;  // rows newer than what memory holds wait in the outbox
  bool reading_ = false;
  uint64_t last_seq_ = 0;  // the newest row read (or handed to the sender)
  uint32_t rewinds_ = 0;   // a read answering after a rewind does not move last_seq_
  std::array<uint64_t, kPartitionCount> handed_{};  // by partition: the newest seq handed over
  std::bitset<kPartitionCount> left_;               // since the last batch end
  std::string served_;
  std::vector<std::string> finished_;
  WriteIntentBuilder intent_;
  std::string ids_;
};

}  // namespace ringside

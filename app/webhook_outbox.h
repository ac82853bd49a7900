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
#include <cstdint>
#include <string>
#include <vector>

#include "backends/webhook/webhook_sender.h"
#include "core/reactor.h"
#include "store/durable/store_writer.h"
#include "store/durable/write_intent.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class WebhookOutbox {
 public:
  static constexpr size_t kRowsPerRead = 1000;

  // Registers a batch-end hook: construct after the StoreWriter and before the connection's
  // PgPoller (which flushes what the hook built).
  WebhookOutbox(Reactor& reactor, PgConnection& connection, StoreWriter& writer,
                WebhookSender& sender, std::string node);
  ~WebhookOutbox();
  WebhookOutbox(const WebhookOutbox&) = delete;
  WebhookOutbox& operator=(const WebhookOutbox&) = delete;

  // An outbox row committed (StoreWriter's outbox listener).
  void on_committed(WebhookEvent&& event);
  // The sender is done with an event: its row goes.
  void on_finished(const WebhookEvent& event);

 private:
  static void on_batch_end(void* ctx);
  void read_back();
  void delete_finished();

  Reactor& reactor_;
  PgConnection& connection_;
  StoreWriter& writer_;
  WebhookSender& sender_;
  std::string node_;     // for the logs
  bool spilled_ = true;  // rows newer than what memory holds wait in the outbox
  bool reading_ = false;
  uint64_t last_seq_ = 0;  // the newest row handed to the sender
  std::vector<std::string> finished_;
  WriteIntentBuilder intent_;
  std::string ids_;
};

}  // namespace ringside

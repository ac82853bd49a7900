#pragma once
// A webhook event as the I/O core's sender holds it (docs/webhooks.md): made on the owner
// shard (api/webhook_event_body.h), handed over by message without a database, or read from
// the outbox row its intent committed (store/durable/statements.h, kStmtInsertWebhook).
#include <cstdint>
#include <string>

namespace ringside {

struct WebhookEvent {
  std::string id;       // "<sessionId>.<running|error|stopped>": the same after a restart
  std::string session;  // the session id: one session's events are delivered in order
  std::string body;     // the JSON body, signed as is
  int64_t made_unix_ms = 0;
  uint64_t outbox_seq = 0;  // its outbox row (0: none, without a database)
  uint16_t partition = 0;   // its session's player's: the node serving it delivers it
};

}  // namespace ringside

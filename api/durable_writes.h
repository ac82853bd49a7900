#pragma once
// A shard's side of durability: turns what happened on this shard into write intents
// (store/durable/write_intent.h) for the I/O core's StoreWriter, each with its own sequence
// number, which comes back in a StoreResult. Which answers wait for which commit is the
// caller's business (PlayerApi); this only says what to write.
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/mailbox.h"
#include "model/backend.h"
#include "model/catalog.h"
#include "model/webhook_event.h"
#include "store/durable/write_intent.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {

// A row of a lazy write-back: a session (id and owner) or a token session (seed) and its time.
struct Touch {
  Id128 id;
  IdOwner owner;  // sessions: what the id's text says
  int64_t at_ms;
};

class DurableWrites {
 public:
  // Entries per touch intent: keeps each message small however many sessions are live.
  static constexpr size_t kTouchesPerIntent = 512;

  // Rows name their player's partition; ids are spelled as they were minted (IdOwner).
  DurableWrites(Mailbox& mailbox, uint32_t io_thread, const Catalog& catalog,
                const std::vector<GameServerInfo>& servers);

  // The player (if new) and the token session as it is now. A request write, or a background
  // one when it puts back a token session whose refresh was refused.
  uint64_t token(const Player& player, const TokenRecord& token, int64_t ttl_ms,
                 WriteClass cls = WriteClass::kRequest);
  // A new session in `starting`, with its save slot when the launch made a new one.
  // A request write.
  uint64_t launch(const Player& player, const GameSession& session, const SaveSlot* new_slot);
  // The session's status (running: and its server, and its own URL when it has one), and the
  // outbox row of its webhook event when there is one (same transaction). A background write.
  uint64_t status(const GameSession& session, const std::string* own_url = nullptr,
                  const WebhookEvent* event = nullptr, uint16_t partition = 0);
  // The session ended: status, reason, figures, its slot's new size when it saved, and its
  // webhook event's outbox row when there is one. A background write.
  uint64_t ended(const GameSession& session, const SaveSlot* saved_slot,
                 const WebhookEvent* event = nullptr, uint16_t partition = 0);
  // A launch whose 202 was never given: ends its row, and drops the empty slot it made, if
  // they exist (both new, so both spelled with `owner`). A background write.
  void abandon(const Id128& session, IdOwner owner, const Id128* made_slot);
  // Lazy write-back of keepalive times and token expiry. Background writes.
  void touch_sessions(const std::vector<Touch>& kept_alive);
  void touch_tokens(const std::vector<Touch>& expiry);

 private:
  uint64_t send();
  // One statement per kTouchesPerIntent rows: ($1 ids, $2 times) as array literals.
  template <typename AppendId>
  void touch(StatementId statement, const std::vector<Touch>& rows, AppendId append_id);
  void session_status(const GameSession& session, const std::string* own_url);
  void webhook(const WebhookEvent* event, uint16_t partition);

  Mailbox& mailbox_;
  uint32_t io_thread_;
  const Catalog& catalog_;
  const std::vector<GameServerInfo>& servers_;
  uint64_t next_seq_ = 1;
  WriteIntentBuilder intent_;
  std::string ids_;    // touch scratch: a text[] literal
  std::string times_;  // touch scratch: a bigint[] literal
};

}  // namespace ringside

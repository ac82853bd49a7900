#pragma once
// The webhook event of a session that became running or ended (docs/webhooks.md), made on its
// owner shard: {"id","type","occurredAt","session":{...}}. Its id is the session id and the
// event's kind ("<sessionId>.stopped"), so an event redelivered after a crash keeps its id.
#include <cstdint>
#include <string_view>

#include "model/catalog.h"
#include "model/webhook_event.h"
#include "store/session_store.h"

namespace ringside {

// The event of `s` as it is now: running, stopped or error (any other status: the caller's
// mistake, rendered as its status name). `occurred_unix_ms`: when it happened.
WebhookEvent make_webhook_event(const GameSession& s, std::string_view player_id,
                                const Catalog& catalog, int64_t occurred_unix_ms);

}  // namespace ringside

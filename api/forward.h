#pragma once
// A player request travelling to the shard that owns the player, and its answer travelling
// back. Both are one message each: a fixed header followed by the variable parts, copied into
// the mailbox ring (no allocation). The owner runs exactly the handler it would have run for a
// request on its own connection.
#include <cstdint>
#include <string_view>

#include "core/mailbox.h"
#include "http/http_server.h"
#include "http/reply.h"

namespace ringside {

// What a player handler needs from a request.
struct PlayerCall {
  uint16_t route = 0;
  std::string_view token;  // bearer token (or, for operator launch, nothing)
  std::string_view param;  // the {slug} or {sessionId} path segment
  std::string_view query;
  std::string_view body;
};

void send_forward(Mailbox& mailbox, uint32_t to, ConnRef ref, const PlayerCall& call);
// Decodes a kMsgForwardRequest payload; views point into it.
PlayerCall read_forward(const void* payload, uint32_t len, ConnRef* ref);

void send_forward_reply(Mailbox& mailbox, uint32_t to, ConnRef ref, const Reply& reply);
// Decodes a kMsgForwardReply payload into `reply` (body copied into the reply's buffer).
void read_forward_reply(const void* payload, uint32_t len, ConnRef* ref, Reply& reply);

}  // namespace ringside

#pragma once
// A player request travelling to the shard that owns the player, and its answer travelling
// back: one message each (ForwardRequest and ForwardReply, model/messages.h, in their wire
// form), written straight into the mailbox ring (no allocation). The owner runs exactly the
// handler it would have run for a request on its own connection.
#include <cstdint>
#include <string_view>

#include "core/mailbox.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "model/messages.h"

namespace ringside {

// What a player handler needs from a request.
struct PlayerCall {
  uint16_t route = 0;
  std::string_view token;  // bearer token (or, for operator launch, nothing)
  std::string_view param;  // the {slug} or {sessionId} path segment
  std::string_view query;
  std::string_view body;
  // POST /operator/launch: its body, read once where the request arrived; or, if it was
  // refused, the sentence of the 400 (then `launch` is empty).
  OperatorLaunchBody launch;
  std::string_view launch_error;
};

void send_forward(Mailbox& mailbox, uint32_t to, ConnRef ref, const PlayerCall& call);
// The call a forwarded request carries (views point into the message); false if it cannot be
// one (an operator launch without its body).
bool read_forward(const ForwardRequest& message, PlayerCall* call);

void send_forward_reply(Mailbox& mailbox, uint32_t to, ConnRef ref, const Reply& reply);
// Fills `reply` from a forwarded answer (body copied into the reply's buffer).
void read_forward_reply(const ForwardReply& message, Reply& reply);

}  // namespace ringside

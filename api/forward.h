#pragma once
// A player request travelling to the shard that owns the player, and its answer travelling
// back: one message each (ForwardRequest and ForwardReply, model/messages.h, in their wire
// form), written straight into the mailbox ring (no allocation). The owner runs exactly the
// handler it would have run for a request on its own connection.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/mailbox.h"
#include "http/http_server.h"
#include "http/reply.h"
#include "model/legacy_tokens.h"
#include "model/messages.h"
#include "model/operator_launch.h"
#include "model/partition.h"

namespace ringside {

// What a player handler needs from a request.
struct PlayerCall {
  uint16_t route = 0;
  std::string_view token;  // bearer token (or, for operator launch, nothing)
  std::string_view param;  // the {slug} or {sessionId} path segment
  std::string_view query;
  std::string_view body;
  // POST /operator/launch: its body, read once where the request arrived; or, if it was
  // refused (`launch` null), the sentence of the 400. A pointer, so that a call stays a few
  // views, cheap to build on every request.
  const OperatorLaunchBody* launch = nullptr;
  std::string_view launch_error;
};

// The message of a call (views into `call`), for a shard of this node or another node.
ForwardRequest forward_request(ConnRef ref, const PlayerCall& call);
// The partition of a call's player (docs/cluster.md): for an operator launch, its player id's;
// for an operator's route about one session, the one its session id names (none for a legacy
// or malformed id); else the one its token names (model/ids.h), or for a token minted before
// partitions, the one `legacy` knows. None for a token that names none: authentication refuses it.
std::optional<uint16_t> partition_of(const PlayerCall& call, const LegacyTokens& legacy);

void send_forward(Mailbox& mailbox, uint32_t to, ConnRef ref, const PlayerCall& call);
// The call a forwarded request carries (views point into the message; an operator launch's
// fields are put in `launch`, which the call points to). Decoding has checked that the launch
// fields come exactly with the operator launch route.
void read_forward(const ForwardRequest& message, PlayerCall* call, OperatorLaunchBody* launch);

ForwardReply forward_reply(ConnRef ref, const Reply& reply);
void send_forward_reply(Mailbox& mailbox, uint32_t to, ConnRef ref, const Reply& reply);
// Fills `reply` from a forwarded answer (body copied into the reply's buffer).
void read_forward_reply(const ForwardReply& message, Reply& reply);

}  // namespace ringside

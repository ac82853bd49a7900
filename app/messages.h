#pragma once
// The messages threads send each other over the MessageBus. Payloads are trivially copyable
// structs (or a struct followed by bytes), copied into the receiver's ring.
#include <cstdint>

#include "http/http_server.h"

namespace ringside {

enum MessageKind : uint16_t {
  // shard -> I/O core: is every dependency reachable? (answered with kReadyReply)
  kMsgReadyQuery = 1,
  kMsgReadyReply,
  // shard 0 -> every shard: SIGTERM arrived, drain.
  kMsgDrain,
  // shard -> I/O core: no connection left; I/O core -> shard: stop the loop.
  kMsgDrained,
  kMsgStop,
};

struct ReadyQuery {
  ConnRef ref;
};

struct ReadyReply {
  ConnRef ref;
  bool ready;
  char reason[64];  // empty when ready
};

}  // namespace ringside

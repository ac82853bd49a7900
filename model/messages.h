#pragma once
// The messages threads send each other over the MessageBus. Payloads are trivially copyable
// structs (or a struct followed by bytes), copied into the receiver's ring.
#include <cstdint>

#include "model/conn_ref.h"
#include "model/ids.h"
#include "model/session_types.h"

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
  // owner shard -> I/O core: place and start a session; stop (or cancel) one.
  kMsgPlaceSession,
  kMsgStopSession,
  // I/O core -> owner shard: what became of a session.
  kMsgSessionPhase,
  kMsgSessionRunning,
  kMsgSessionFailed,  // failed to start, or lost while running
  kMsgSessionStopped,
  // shard -> owner shard: a request for a player the sender does not own, and its answer.
  kMsgForwardRequest,
  kMsgForwardReply,
  // shard -> I/O core: a write intent (store/durable/write_intent.h), with --database-url.
  kMsgStoreWrite,
  // I/O core -> shard: its outcome (StoreResult); the database went away or came back
  // (StoreAvailability). Both in store/durable/store_writer.h.
  kMsgStoreResult,
  kMsgStoreAvailability,
  // I/O core -> owner shard: the session's own serverUrl (before kMsgSessionRunning).
  kMsgSessionUrl,
};

struct ReadyQuery {
  ConnRef ref;
};

struct ReadyReply {
  ConnRef ref;
  bool ready;
  char reason[64];  // empty when ready
};

// Followed by player_id_len bytes of the player id.
struct PlaceSession {
  Id128 session;
  Id128 save_slot;
  uint32_t game;  // index in the catalog
  uint16_t owner_shard;
  bool fresh_slot;  // nothing saved in the slot yet
  uint16_t player_id_len;
};

struct StopSession {
  Id128 session;
};

struct SessionPhaseUpdate {
  Id128 session;
  StartPhase phase;
  uint32_t server;  // where it was placed
};

struct SessionRunning {
  Id128 session;
  uint32_t server;  // index in Runtime::servers
};

// Followed by url_len bytes of the URL.
struct SessionUrl {
  Id128 session;
  uint16_t url_len;
};

struct SessionFailed {
  Id128 session;
  SessionError error;
};

struct SessionStopped {
  Id128 session;
  SessionFigures figures;
};

}  // namespace ringside

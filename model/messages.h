#pragma once
// The messages threads send each other over the MessageBus (core/message.h says how a type
// names its kind and travels). Each struct names its kind, `kKind`; a kind is sent only as its
// struct, and received by the one handler its receiver registered for it.
//
// Plain structs are copied as their bytes: they only ever travel between threads of this
// process. The messages that will also travel between nodes (a player request forwarded to
// its owner and the answer; the session lifecycle between the owner and placement) have an
// explicit, versioned wire form (model/wire.h), used on the in-process bus too:
//   byte 0: kWireVersion, then the fields in the order their encode() writes them.
// Decoding refuses another version, a truncated or over-long payload, an enum value out of
// range, a string longer than its field's documented limit and fields that contradict each
// other. It sets every field, so a struct may be decoded into again. Strings are views into
// the payload, valid while the handler runs. A value that is only wrong against the
// receiver's state (a thread or server index, say) is the receiver's handler to refuse.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/message.h"
#include "model/conn_ref.h"
#include "model/ids.h"
#include "model/reply_target.h"
#include "model/session_types.h"

namespace ringside {

struct ShardState;  // model/loaded_state.h

enum MessageKind : uint16_t {
  // shard -> I/O core: is every dependency reachable? (answered with ReadyReply)
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
  // (StoreAvailability).
  kMsgStoreResult,
  kMsgStoreAvailability,
  // I/O core -> owner shard: the session's own serverUrl (before kMsgSessionRunning).
  kMsgSessionUrl,
  // I/O core -> every shard: the node table and where partitions are served (cluster).
  kMsgPeerNode,
  kMsgPartitionRoutes,
  // A partition's life on its shard (docs/cluster.md): I/O core -> the partition's shard: its
  // rows (PartitionRows), serve it (PartitionServe), stop serving it (PartitionRelease); the
  // shard's answer (PartitionReleased). I/O core -> every shard: until when this node may
  // answer from memory (LeaseDeadline).
  kMsgPartitionRows,
  kMsgPartitionServe,
  kMsgPartitionRelease,
  kMsgPartitionReleased,
  kMsgLeaseDeadline,
  // shard -> I/O core: GET /cluster (answered with a ForwardReply carrying the whole answer).
  kMsgClusterQuery,
  // Operator fleet and catalog reload (issue 17): shard -> I/O core: an operator's request
  // about the game servers (FleetCommand, answered with a ForwardReply); shard 0 -> I/O core:
  // SIGHUP arrived, reload --catalog (CatalogReload); I/O core -> owner shard: stop this
  // session for a reason that is not its player's (StopForReason).
  kMsgFleetCommand,
  kMsgCatalogReload,
  kMsgStopForReason,
  // Webhooks (docs/webhooks.md), without a database: owner shard -> I/O core, a session event
  // to deliver (with one, the outbox row its write intent committed hands it over instead).
  kMsgWebhookEventMade,
  // Operator sessions (issue 17): the shard a GET /operator/sessions reached -> every shard
  // (OperatorSessionsQuery), and each shard's part of the answer back (OperatorSessionsPart).
  kMsgOperatorSessionsQuery,
  kMsgOperatorSessionsPart,
  // owner shard -> I/O core: the backend's id of a session (GET /operator/sessions/{id}), and
  // the answer (BackendIdQuery / BackendIdReply).
  kMsgBackendIdQuery,
  kMsgBackendIdReply,
  kMessageKindCount,
};
static_assert(kMessageKindCount <= kMaxMessageKinds);

// The version byte every wire form starts with.
inline constexpr uint8_t kWireVersion = 1;

// ---- between the threads of one process ---------------------------------------------------

struct ReadyQuery {
  static constexpr MessageKind kKind = kMsgReadyQuery;
  ConnRef ref;
};

struct ReadyReply {
  static constexpr MessageKind kKind = kMsgReadyReply;
  ConnRef ref;
  bool ready;
  char reason[64];  // empty when ready
};

struct Drain {
  static constexpr MessageKind kKind = kMsgDrain;
};

struct Drained {
  static constexpr MessageKind kKind = kMsgDrained;
};

struct Stop {
  static constexpr MessageKind kKind = kMsgStop;
};

// I/O core -> every shard: node `slot` of the node table (docs/cluster.md). Slot 0 is always
// this node; slots are append-only for the life of the process, so a slot never changes its
// address. `host` is an IP literal (the shard never resolves names), NUL-terminated.
struct PeerNode {
  static constexpr MessageKind kKind = kMsgPeerNode;
  uint16_t slot;
  char node_id[33];
  char host[64];
  uint16_t port;
};

// I/O core -> every shard: partitions [first, first + count) are served by node `node_slot`
// (kNoOwner, model/node_routes.h, while nobody serves them).
struct PartitionRoutes {
  static constexpr MessageKind kKind = kMsgPartitionRoutes;
  uint16_t first;
  uint16_t count;
  uint16_t node_slot;
};

// shard -> I/O core: GET /cluster, authorized by the shard. The I/O core answers with a
// ForwardReply for `ref` (the shard completes it as any reply that comes back by message).
struct ClusterQuery {
  static constexpr MessageKind kKind = kMsgClusterQuery;
  ConnRef ref;
};

// shard -> I/O core: GET /operator/servers or POST /operator/servers/{name}/cordon, /uncordon,
// /drain, authorized and checked by the shard (the name resolved to `server`, the drain's body
// read). The I/O core answers with a ForwardReply for `ref` carrying the whole answer; it
// refuses a `server` past the fleet.
struct FleetCommand {
  static constexpr MessageKind kKind = kMsgFleetCommand;
  enum class Action : uint8_t { kList, kCordon, kUncordon, kDrain };
  ConnRef ref;
  Action action = Action::kList;
  uint32_t server = 0;         // index in Runtime::servers; not read for kList
  uint32_t grace_seconds = 0;  // kDrain: how long its sessions may run on
};

// shard 0 -> I/O core: SIGHUP arrived; reread --catalog (Catalog::reload).
struct CatalogReload {
  static constexpr MessageKind kKind = kMsgCatalogReload;
};

// A write intent's bytes as they are (their format and its checks: write_intent.h).
struct StoreWrite {
  static constexpr MessageKind kKind = kMsgStoreWrite;
  std::string_view intent;

  uint32_t encoded_size() const { return static_cast<uint32_t>(intent.size()); }
  void encode(char* out) const;
  static bool decode(std::string_view in, StoreWrite* out);
};

// What became of a write intent (store/durable/store_writer.h says when each is reported).
enum class WriteOutcome : uint8_t { kCommitted, kRefused, kDelayed };

// I/O core -> shard: what became of the intent `seq` that shard sent.
struct StoreResult {
  static constexpr MessageKind kKind = kMsgStoreResult;
  uint64_t seq;
  WriteOutcome outcome;
};

// I/O core -> every shard, when the database becomes unavailable or available again.
struct StoreAvailability {
  static constexpr MessageKind kKind = kMsgStoreAvailability;
  bool available;
};

// ---- a partition's life on its shard (docs/cluster.md, "A partition on its shard") --------
// Only between the threads of one node: which node serves a partition is the database's to
// say (the ownership protocol), so none of these travels between nodes.

// I/O core -> the partition's shard (shard_of_partition): one batch of the partition's rows,
// read after its lock was granted. Ownership of `rows` travels with the message: the sender
// allocates it with `new` and never touches it again; the receiver deletes it, also when it
// refuses the message. (A message still in the ring when the process exits leaks its batch;
// nothing is read after that.) Batches until PartitionServe; any number, in order.
struct PartitionRows {
  static constexpr MessageKind kKind = kMsgPartitionRows;
  ShardState* rows;
  uint16_t partition;
};

// I/O core -> the partition's shard: every batch of rows was sent; answer for the partition.
struct PartitionServe {
  static constexpr MessageKind kKind = kMsgPartitionServe;
  uint16_t partition;
};

// I/O core -> the partition's shard: stop answering for the partition at once, answer what
// waits on it 503, drop its state and answer PartitionReleased.
struct PartitionRelease {
  static constexpr MessageKind kKind = kMsgPartitionRelease;
  uint16_t partition;
};

// The shard -> the I/O core: the partition is dropped. Every write intent of the partition
// was sent before this message, on the same FIFO ring.
struct PartitionReleased {
  static constexpr MessageKind kKind = kMsgPartitionReleased;
  uint16_t partition;
};

// I/O core -> every shard: the node may answer from memory for its partitions until
// `valid_until_ms` of the monotonic clock every thread reads (Clock::mono_ms), no later. Sent
// after each successful heartbeat (the time it was sent + kLeaseValidMs).
struct LeaseDeadline {
  static constexpr MessageKind kKind = kMsgLeaseDeadline;
  uint64_t valid_until_ms;
};

// ---- wire form: the session lifecycle, owner shard <-> placement --------------------------

struct PlaceSession {
  static constexpr MessageKind kKind = kMsgPlaceSession;
  Id128 session;
  Id128 save_slot;
  uint32_t game = 0;  // index in the catalog
  uint16_t owner_shard = 0;
  IdOwner session_owner;       // what the session's id text says
  IdOwner slot_owner;          // what the slot's id text says (a legacy slot keeps its spelling)
  bool fresh_slot = false;     // nothing saved in the slot yet
  std::string_view player_id;  // at most kMaxPlayerIdBytes (model/identifiers.h; decode checks)

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, PlaceSession* out);
};

struct StopSession {
  static constexpr MessageKind kKind = kMsgStopSession;
  Id128 session;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, StopSession* out);
};

struct SessionPhaseUpdate {
  static constexpr MessageKind kKind = kMsgSessionPhase;
  Id128 session;
  StartPhase phase = StartPhase::kQueued;
  uint32_t server = 0;        // where it was placed
  uint32_t queue_ticket = 0;  // kQueued: its place in the queue (model/queue_estimate.h)

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, SessionPhaseUpdate* out);
};

struct SessionRunning {
  static constexpr MessageKind kKind = kMsgSessionRunning;
  Id128 session;
  uint32_t server = 0;  // index in Runtime::servers
  StartKind start_kind = StartKind::kUnknown;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, SessionRunning* out);
};

struct SessionUrl {
  static constexpr MessageKind kKind = kMsgSessionUrl;
  // Placement drops a longer URL than this; decode refuses one.
  static constexpr size_t kMaxUrlBytes = 1024;
  Id128 session;
  std::string_view url;  // at most kMaxUrlBytes

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, SessionUrl* out);
};

struct SessionFailed {
  static constexpr MessageKind kKind = kMsgSessionFailed;
  Id128 session;
  SessionError error = SessionError::kNone;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, SessionFailed* out);
};

struct SessionStopped {
  static constexpr MessageKind kKind = kMsgSessionStopped;
  Id128 session;
  SessionFigures figures;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, SessionStopped* out);
};

// I/O core -> owner shard: stop this session through the normal stop path (save kept, figures
// reported) for a reason that is not its player's: its server was drained (kServerDrained),
// and the like. Decode refuses a reason past kLastEndReason and kNone, kStopped and kError
// (a player's stop and a failure are not asked for this way).
struct StopForReason {
  static constexpr MessageKind kKind = kMsgStopForReason;
  Id128 session;
  EndReason reason = EndReason::kServerDrained;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, StopForReason* out);
};

// Owner shard -> I/O core, without a database: a webhook event to deliver.
struct WebhookEventMade {
  static constexpr MessageKind kKind = kMsgWebhookEventMade;
  static constexpr size_t kMaxBodyBytes = 8192;
  std::string_view id;       // at most 128 bytes
  std::string_view session;  // at most 128 bytes
  std::string_view body;     // at most kMaxBodyBytes
  int64_t made_unix_ms = 0;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, WebhookEventMade* out);
};

// ---- wire form: a player request forwarded to its owner shard, and the answer -------------

struct ForwardRequest {
  static constexpr MessageKind kKind = kMsgForwardRequest;
  // The route of POST /operator/launch (kRouteOperatorLaunch, api/routes.h, which checks they
  // agree): the one route whose request carries `launch`, and always does. Decode refuses
  // either without the other.
  static constexpr uint16_t kOperatorLaunchRoute = 3;
  // The flags sit together, next to the other narrow fields: a struct that interleaves
  // one-byte fields with views cost a forwarded request a dozen nanoseconds more to build.
  ConnRef ref;  // the connection on the sender
  uint16_t route = 0;
  // POST /operator/launch: its body's fields (`launch`), read and checked where the request
  // arrived (decode refuses them past kMaxPlayerIdBytes, kMaxSlugBytes and kMaxLobbyUrlBytes,
  // model/identifiers.h); `body` is then empty.
  bool has_launch = false;
  bool has_game_slug = false;  // launch.game_slug is given
  bool has_lobby_url = false;  // launch.lobby_url is given
  std::string_view token;      // bearer token
  std::string_view param;      // the {slug} or {sessionId} path segment
  std::string_view query;
  std::string_view body;
  struct Launch {
    std::string_view player_id;
    std::string_view game_slug;
    std::string_view lobby_url;
  } launch;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, ForwardRequest* out);
};

enum class ReplyContent : uint8_t { kJson, kPrometheusText };

struct ForwardReply {
  static constexpr MessageKind kKind = kMsgForwardReply;
  ConnRef ref;  // the connection on the receiver
  uint16_t status = 200;
  uint16_t route = 0;
  ReplyContent content = ReplyContent::kJson;
  bool close = false;        // Connection: close
  std::string_view headers;  // extra header lines, rendered
  std::string_view body;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, ForwardReply* out);
};

// ---- operator sessions (GET /operator/sessions; api/operator_sessions.h) -----------------
// Only between the threads of one node (each node answers for the partitions it serves), but
// encoded: a player id and rendered sessions are strings.

// The filters of a listing, checked and resolved where the request arrived (a game or server
// as its index: a name that matches none is answered there, without asking anyone).
struct OperatorSessionsFilter {
  static constexpr uint8_t kAnyStatus = 0xFF;
  static constexpr uint16_t kMaxLimit = 1000;
  uint16_t limit = 100;         // 1..kMaxLimit: the most sessions each shard returns
  uint8_t status = kAnyStatus;  // a SessionStatus, or kAnyStatus
  bool has_player = false;
  bool has_game = false;
  bool has_server = false;
  uint16_t game = 0;           // index in the catalog
  uint32_t server = 0;         // index in Runtime::servers; its size: not in this fleet
  std::string_view player_id;  // at most kMaxPlayerIdBytes
  // The server's name as the query gave it (at most kMaxServerNameBytes): the database's rows
  // name servers that may no longer be, or never were, in this node's fleet.
  static constexpr size_t kMaxServerNameBytes = 64;
  std::string_view server_name;
};

// The origin -> every shard: render your sessions matching `filter`, newest first, at most
// filter.limit of them, and answer OperatorSessionsPart naming `query`.
struct OperatorSessionsQuery {
  static constexpr MessageKind kKind = kMsgOperatorSessionsQuery;
  uint64_t query = 0;  // the origin's name for the listing
  OperatorSessionsFilter filter;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, OperatorSessionsQuery* out);
};

// A shard -> the origin: its part of listing `query`. `items` is `count` records, each the
// session's launch time (i64 Unix ms) and its JSON object (u32 length + bytes); decode checks
// that they are exactly that. OperatorSessionsPart::next reads them in turn. With
// --database-url the I/O core answers the same query with the ended sessions it read from
// PostgreSQL; `partial` says a source could not be read (the database), so the answer may miss
// sessions.
struct OperatorSessionsPart {
  static constexpr MessageKind kKind = kMsgOperatorSessionsPart;
  uint64_t query = 0;
  uint32_t count = 0;
  bool partial = false;
  std::string_view items;

  struct Item {
    int64_t started_ms = 0;
    std::string_view json;
  };
  // Appends one record to `out` in the form `items` holds (the sender builds them with it).
  static void append_item(std::string& out, int64_t started_ms, std::string_view json);
  // Reads the record at the front of `rest` and moves past it; false when none is left.
  static bool next(std::string_view& rest, Item* item);

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, OperatorSessionsPart* out);
};

// The owner shard -> the I/O core: what does the backend call `session`? The answer goes back
// to the sender with `target` (where the operator's request waits) as it came.
struct BackendIdQuery {
  static constexpr MessageKind kKind = kMsgBackendIdQuery;
  Id128 session;
  ReplyTarget target;
};

// The I/O core -> the owner shard: the backend's id of `session` (empty: none).
struct BackendIdReply {
  static constexpr MessageKind kKind = kMsgBackendIdReply;
  static constexpr size_t kMaxIdBytes = 256;  // longer ids are sent as none; decode refuses them
  Id128 session;
  ReplyTarget target;
  std::string_view backend_id;

  uint32_t encoded_size() const;
  void encode(char* out) const;
  static bool decode(std::string_view in, BackendIdReply* out);
};

}  // namespace ringside

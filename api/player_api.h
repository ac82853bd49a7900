#pragma once
// The player routes, run on the shard that owns the player (SPEC: Authentication, Game
// catalog, Sessions API, Resume/history/details). Requests arrive from this shard's own
// connections or forwarded by another shard; both come in as a PlayerCall and leave as a
// Reply. Most answers are immediate; a stop waits for the I/O core, and with a database some
// answers wait for their write to commit: those go to the ReplyTarget they came from later.
//
// This class authenticates and runs the route handlers (player_api.cc: dispatch and the hot
// path; player_api_tokens.cc, player_api_sessions.cc, player_api_records.cc; restore and lazy
// writes in player_api_durability.cc). The rest is in the parts it owns: LaunchAdmission (launch
// limits, placement), StopWaiters, HeldAnswers (answers waiting for a commit), SessionEvents (what
// the I/O core reports); the JSON is rendered by the free functions of session_render.h.
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "api/body_fields.h"
#include "api/durable_writes.h"
#include "api/forward.h"
#include "api/held_answers.h"
#include "api/launch_admission.h"
#include "api/operator_sessions.h"
#include "api/partition_table.h"
#include "api/player_api_helpers.h"
#include "api/session_events.h"
#include "api/session_render.h"
#include "api/stop_waiters.h"
#include "core/reactor.h"
#include "http/query.h"
#include "model/loaded_state.h"
#include "model/metrics/player_metrics.h"
#include "model/reply_target.h"
#include "model/runtime.h"
#include "model/token_minter.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {

class PlayerApi {
 public:
  PlayerApi(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics, Responder respond);
  ~PlayerApi();
  PlayerApi(const PlayerApi&) = delete;
  PlayerApi& operator=(const PlayerApi&) = delete;

  // Returns true when `reply` holds the answer; false when it will go to `target` later.
  bool handle(const PlayerCall& call, ReplyTarget target, Reply& reply);
  // Takes a batch of this shard's state read back from the database, before serving.
  void restore(ShardState& state);
  // Which lazy writes (keepalive times, token expiry; docs/postgres.md) a flush sends: those
  // that moved by a step since written (every 5 s), or every one that moved at all (the drain).
  enum class LazyWrites : uint8_t { kMovedByAStep, kEveryMoved };
  void flush_lazy_writes(LazyWrites which = LazyWrites::kMovedByAStep);
  // Publishes gauges to the metrics block (once per loop iteration).
  void publish_metrics();

  // GET /operator/sessions, the operator key checked (api/operator_sessions.h).
  bool operator_list(std::string_view query, ReplyTarget target, Reply& reply) {
    return operator_sessions_.list(query, target, reply);
  }

  // The listing's side of the cluster fan-out (api_cluster.cc).
  OperatorSessions& operator_sessions() { return operator_sessions_; }

  SessionStore& sessions() { return sessions_; }
  TokenStore& tokens() { return tokens_; }
  const PartitionTable& partitions() const { return partitions_; }

 private:
  using PendingWrite = HeldAnswers::PendingWrite;
  static constexpr uint64_t kLazyWriteIntervalMs = 5000;

  // `hash`: call.token's, if the caller already has it.
  bool authenticate(const PlayerCall& call, Reply& reply, AuthContext* auth,
                    const TokenHash* hash = nullptr);

  // A partition's life here (player_api_partitions.cc): messages of the I/O core, each refused
  // (false) unless it comes from the I/O core about a partition of this shard.
  bool on_partition_rows(uint32_t from, const PartitionRows& m);
  bool on_partition_serve(uint32_t from, const PartitionServe& m);
  bool on_partition_release(uint32_t from, const PartitionRelease& m);
  bool on_lease_deadline(uint32_t from, const LeaseDeadline& m);
  bool from_io_about_mine(uint32_t from, uint16_t partition) const {
    return from == runtime_.io_thread() && partitions_.mine(partition);
  }
  // Answers what waits on the partition 503 and drops every record of its players.
  void drop_partition(uint16_t partition);

  // Tokens and catalog (player_api_tokens.cc).
  bool operator_launch(const OperatorLaunchBody& body, ReplyTarget target, Reply& reply);
  bool refresh(const AuthContext& auth, ReplyTarget target, Reply& reply);
  void games(Reply& reply);
  void game(const PlayerCall& call, Reply& reply);

  // The hot path (player_api.cc).
  void session_status(const PlayerCall& call, Reply& reply);
  void keepalive(const PlayerCall& call, const AuthContext& auth, Reply& reply);

  // A session's start and end (player_api_sessions.cc).
  bool launch(const PlayerCall& call, const AuthContext& auth, ReplyTarget target, Reply& reply);
  bool stop(const PlayerCall& call, const AuthContext& auth, ReplyTarget target, Reply& reply);
  // Stops `s` for `reason` and answers with its figures once it ended (at once if it has).
  bool stop_session(GameSession& s, EndReason reason, ReplyTarget target, Reply& reply);
  void begin_stop(GameSession& s, EndReason reason);
  // The I/O core asks for a stop that is not the player's (a drained server): the normal stop
  // path, for a session still starting or running. Refused from anyone but the I/O core.
  bool on_stop_for_reason(uint32_t from, const StopForReason& m);
  static void on_timeout(void* ctx, uint32_t session, EndReason why);

  // The operator's routes about one session, the key checked where they arrived
  // (player_api_operator.cc): GET /operator/sessions/{id} and its stop.
  GameSession* operator_session_of(const PlayerCall& call, Reply& reply);
  // Answers at once when the backend can hold nothing for it (not placed, or ended); else asks
  // the I/O core for its backend id and answers from on_backend_id.
  bool operator_session(const PlayerCall& call, ReplyTarget target, Reply& reply);
  void render_operator_session(const GameSession& s, std::string_view backend_id, Reply& reply);
  bool on_backend_id(uint32_t from, const BackendIdReply& m);
  bool operator_stop(const PlayerCall& call, ReplyTarget target, Reply& reply);

  // What the player has (player_api_records.cc).
  void list_sessions(const AuthContext& auth, Reply& reply);
  void current(const AuthContext& auth, Reply& reply);
  void history(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void details(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void save_slots(const PlayerCall& call, const AuthContext& auth, Reply& reply);

  // The parameter `name` of a query, decoded into query_scratch_ (emptied first: it never
  // holds more than one value, at most the 4 KiB request-target limit).
  std::optional<QueryValue> query_param(std::string_view query, std::string_view name);
  // The session named by a body's or query's sessionId, if it is this player's.
  GameSession* session_from_body(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  GameSession* session_by_text(std::string_view text, const AuthContext& auth);

  bool durable() const { return writes_ != nullptr; }
  // With a database that cannot take writes now: a write must be answered 503.
  bool store_down() const { return durable() && !held_.store_available(); }
  static void on_lazy_write_timer(TimerNode* node);

  const Runtime& runtime_;
  Reactor& reactor_;
  PlayerMetrics& metrics_;
  TokenMinter minter_;
  TokenStore tokens_;
  SessionStore sessions_;
  BodyParser body_parser_;
  ByteBuffer query_scratch_;
  ByteBuffer url_scratch_;

  std::unique_ptr<DurableWrites> writes_;  // null: the memory store
  LaunchAdmission launches_;
  StopWaiters stop_waiters_;
  HeldAnswers held_;
  SessionEvents events_;
  const SessionRenderContext render_;
  PartitionTable partitions_;
  OperatorSessions operator_sessions_;
  Responder respond_;
  ByteBuffer operator_body_;  // answers completed from on_backend_id

  struct LazyWriteTimer : TimerNode {
    PlayerApi* api = nullptr;
  } lazy_timer_;
  std::vector<Touch> touch_scratch_;
  std::vector<Id128> dropped_sessions_;  // drop_partition's scratch
};

}  // namespace ringside

#pragma once
// The player routes, run on the shard that owns the player (SPEC: Authentication, Game
// catalog, Sessions API, Resume/history/details). Requests arrive from this shard's own
// connections or forwarded by another shard; both come in as a PlayerCall and leave as a
// Reply. Most answers are immediate; a stop waits for the I/O core, and its answer goes to
// the ReplyTarget it came from.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/body_fields.h"
#include "api/durable_writes.h"
#include "api/forward.h"
#include "core/json_writer.h"
#include "core/reactor.h"
#include "http/query.h"
#include "model/loaded_state.h"
#include "model/metrics/player_metrics.h"
#include "model/reply_target.h"
#include "model/runtime.h"
#include "model/token_bucket.h"
#include "store/durable/store_writer.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {

class PlayerApi {
 public:
  using Responder = void (*)(void* ctx, ReplyTarget target, Reply& reply);

  PlayerApi(Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics, Responder respond,
            void* respond_ctx);
  ~PlayerApi();
  PlayerApi(const PlayerApi&) = delete;
  PlayerApi& operator=(const PlayerApi&) = delete;

  // Returns true when `reply` holds the answer; false when it will go to `target` later.
  bool handle(const PlayerCall& call, ReplyTarget target, Reply& reply);
  // Takes a batch of this shard's state read back from the database, before serving.
  void restore(ShardState& state);
  // Sends the lazy writes (keepalive times, token expiry) now: every 5 s, and on drain.
  void flush_lazy_writes();
  // Publishes gauges to the metrics block (once per loop iteration).
  void publish_metrics();

  SessionStore& sessions() { return sessions_; }
  TokenStore& tokens() { return tokens_; }

 private:
  // With --database-url, an answer that waits for its write intent to commit.
  struct PendingWrite {
    enum class What : uint8_t { kToken, kRefresh, kLaunch, kEnded };
    What what;
    ReplyTarget target;  // kToken, kRefresh, kLaunch
    uint16_t route = 0;
    uint16_t status = 200;
    std::string body;  // the answer, rendered when the request was handled
    Id128 session;     // kLaunch, kEnded
    Id128 new_slot;    // kLaunch: a slot the launch made (removed if refused)
    bool made_slot = false;
    uint32_t token_session = 0;  // kRefresh
    TokenRecord before;          // kRefresh: what to put back if refused
  };
  static constexpr uint64_t kLazyWriteIntervalMs = 5000;

  // `hash`: call.token's, if the caller already has it.
  bool authenticate(const PlayerCall& call, Reply& reply, AuthContext* auth,
                    const TokenHash* hash = nullptr);
  bool operator_launch(const OperatorLaunchBody& body, ReplyTarget target, Reply& reply);
  bool refresh(const AuthContext& auth, ReplyTarget target, Reply& reply);
  void games(Reply& reply);
  void game(const PlayerCall& call, Reply& reply);
  bool launch(const PlayerCall& call, const AuthContext& auth, ReplyTarget target, Reply& reply);
  // Hands a launch to the I/O core for placement.
  void place(const GameSession& s);
  void session_status(const PlayerCall& call, Reply& reply);
  void keepalive(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  bool stop(const PlayerCall& call, const AuthContext& auth, ReplyTarget target, Reply& reply);
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

  void begin_stop(GameSession& s, EndReason reason);
  void finish(GameSession& s, SessionStatus status, SessionError error,
              const SessionFigures& figures);
  void render_stop_result(const GameSession& s, Reply& reply);
  static void render_save_error(JsonWriter& w, const GameSession& s);
  void render_status_fields(JsonWriter& w, const GameSession& s);
  void render_session_id(JsonWriter& w, const GameSession& s);
  static void on_idle(void* ctx, uint32_t session);

  // What the I/O core reports (registered on the mailbox at construction).
  void on_session_phase(const SessionPhaseUpdate& m);
  void on_session_running(const SessionRunning& m);
  void on_session_failed(const SessionFailed& m);
  void on_session_stopped(const SessionStopped& m);
  void on_session_url(const SessionUrl& m);
  void on_store_result_message(const StoreResult& m);
  void on_store_availability(const StoreAvailability& m);

  // --- durability ---
  bool durable() const { return writes_ != nullptr; }
  // 503 unavailable: the database cannot take writes now.
  static void unavailable(Reply& reply);
  // Keeps `reply` to send to `target` once the intent `seq` commits.
  void defer(uint64_t seq, PendingWrite pending, const Reply& reply);
  void on_store_result(uint64_t seq, WriteOutcome outcome);
  void answer(const PendingWrite& pending);
  void answer_unavailable(ReplyTarget target, uint16_t route);
  void answer_stop_waiters(const GameSession& s);
  // Answers the session's waiting stop requests 503.
  void refuse_stop_waiters(const Id128& session);
  static void on_lazy_write_timer(TimerNode* node);
  Runtime& runtime_;
  Reactor& reactor_;
  PlayerMetrics& metrics_;
  Responder respond_;
  void* respond_ctx_;
  uint16_t shard_;
  TokenMinter minter_;
  TokenStore tokens_;
  SessionStore sessions_;
  BodyParser body_parser_;
  ByteBuffer query_scratch_;
  ByteBuffer url_scratch_;
  ByteBuffer deferred_body_;  // bodies of answers sent to stop waiters
  TokenBucketPolicy player_launches_;
  TokenBucket shard_budget_;

  std::unique_ptr<DurableWrites> writes_;  // null: the memory store
  bool store_available_ = true;
  std::unordered_map<uint64_t, PendingWrite> pending_;  // by intent seq
  // Ended sessions whose end is not committed yet: a stop of them answers 503.
  std::unordered_map<Id128, uint64_t, Id128Hasher> uncommitted_ends_;
  // Launched, and waiting for their row to commit: not stoppable yet.
  std::unordered_set<Id128, Id128Hasher> uncommitted_launches_;
  // Restored in `stopping`: the stop is sent again once the backend has adopted them.
  std::unordered_set<Id128, Id128Hasher> restored_stopping_;
  struct LazyWriteTimer : TimerNode {
    PlayerApi* api = nullptr;
  } lazy_timer_;
  std::vector<std::pair<Id128, int64_t>> touch_scratch_;
  // serverUrl of the running sessions that have one of their own (hosted backends); the
  // others use their server's url_base. Empty with the sim and Docker backends.
  std::unordered_map<Id128, std::string, Id128Hasher> session_urls_;
  // Stop requests answered when the I/O core is done (or the end commits), by session id:
  // here rather than in GameSession, where the vector cost 24 bytes in every session.
  std::unordered_map<Id128, std::vector<ReplyTarget>, Id128Hasher> stop_waiters_;
};

}  // namespace ringside

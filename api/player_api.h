#pragma once
// The player routes, run on the shard that owns the player (SPEC: Authentication, Game
// catalog, Sessions API, Resume/history/details). Requests arrive from this shard's own
// connections or forwarded by another shard; both come in as a PlayerCall and leave as a
// Reply. Most answers are immediate; a stop waits for the I/O core, and its answer goes to
// the ReplyTarget it came from.
#include <cstdint>

#include "api/body_fields.h"
#include "api/forward.h"
#include "api/player_metrics.h"
#include "app/runtime.h"
#include "core/reactor.h"
#include "http/json_writer.h"
#include "sched/token_bucket.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {

class PlayerApi {
 public:
  using Responder = void (*)(void* ctx, ReplyTarget target, Reply& reply);

  PlayerApi(Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics, Responder respond,
            void* respond_ctx);

  // Returns true when `reply` holds the answer; false when it will go to `target` later.
  bool handle(const PlayerCall& call, ReplyTarget target, Reply& reply);
  // Session updates from the I/O core; false for kinds that are not its own.
  bool on_message(uint16_t kind, const void* payload, uint32_t len);
  // Publishes gauges to the metrics block (once per loop iteration).
  void publish_metrics();

  SessionStore& sessions() { return sessions_; }
  TokenStore& tokens() { return tokens_; }

 private:
  bool authenticate(const PlayerCall& call, Reply& reply, AuthContext* auth);
  void operator_launch(const PlayerCall& call, Reply& reply);
  void refresh(const AuthContext& auth, Reply& reply);
  void games(Reply& reply);
  void game(const PlayerCall& call, Reply& reply);
  void launch(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void session_status(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void keepalive(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  bool stop(const PlayerCall& call, const AuthContext& auth, ReplyTarget target, Reply& reply);
  void list_sessions(const AuthContext& auth, Reply& reply);
  void current(const AuthContext& auth, Reply& reply);
  void history(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void details(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  void save_slots(const PlayerCall& call, const AuthContext& auth, Reply& reply);

  // The session named by a body's or query's sessionId, if it is this player's.
  GameSession* session_from_body(const PlayerCall& call, const AuthContext& auth, Reply& reply);
  GameSession* session_by_text(std::string_view text, const AuthContext& auth);

  void begin_stop(GameSession& s, EndReason reason);
  void finish(GameSession& s, SessionStatus status, SessionError error,
              const SessionFigures& figures);
  void render_stop_result(const GameSession& s, Reply& reply);
  void render_status_fields(JsonWriter& w, const GameSession& s);
  void render_session_id(JsonWriter& w, const GameSession& s);
  static void on_idle(void* ctx, uint32_t session);

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
};

}  // namespace ringside

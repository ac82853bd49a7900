#pragma once
// With --database-url, the answers that wait for their write intent to commit (a token, a
// refresh, a launch's 202; a stop's figures through StopWaiters), what a refused write undoes,
// and what the shard knows of the store meanwhile: whether it takes writes, which launches and
// ends are not committed yet (docs/postgres.md). Unused with the memory store.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "api/durable_writes.h"
#include "api/launch_admission.h"
#include "api/player_api_helpers.h"
#include "api/stop_waiters.h"
#include "core/byte_buffer.h"
#include "core/reactor.h"
#include "model/ids.h"
#include "model/messages.h"
#include "model/reply_target.h"
#include "model/runtime.h"
#include "store/session_store.h"
#include "store/token_store.h"

namespace ringside {

class HeldAnswers {
 public:
  // An answer that waits for its write intent to commit.
  struct PendingWrite {
    enum class What : uint8_t { kToken, kRefresh, kLaunch, kEnded };
    What what;
    ReplyTarget target;  // kToken, kRefresh, kLaunch
    uint16_t route = 0;
    uint16_t status = 200;
    std::string body;        // the answer, rendered when the request was handled
    uint16_t partition = 0;  // its player's (a release answers it at once)
    Id128 session;           // kLaunch, kEnded
    Id128 new_slot;          // kLaunch: a slot the launch made (removed if refused)
    IdOwner owner;           // kLaunch: the new session's (and new slot's) owner
    bool made_slot = false;
    uint32_t token_session = 0;  // kRefresh
    TokenRecord before;          // kRefresh: what to put back if refused
    // Its partition was released before its outcome came: the records it was rendered from
    // are gone, so the outcome only picks the answer (committed: the rendered one; else 503).
    bool detached = false;
  };

  // `writes`: null with the memory store.
  HeldAnswers(const Runtime& runtime, Reactor& reactor, SessionStore& sessions, TokenStore& tokens,
              DurableWrites* writes, LaunchAdmission& launches, StopWaiters& stop_waiters,
              Responder respond);

  // Whether the database takes writes now (the I/O core says when that changes).
  bool store_available() const { return store_available_; }
  void set_store_available(bool available) { store_available_ = available; }

  // Keeps `reply` to send to `pending.target` once the intent `seq` commits. A launch is
  // uncommitted until then: not stoppable, and in flight in the shard's launch budget.
  void defer(uint64_t seq, PendingWrite pending, const Reply& reply);
  // The end of session `session` is written as intent `seq`: until it commits, a stop of the
  // session waits (or is answered 503), and its waiting stops are answered when it does.
  void hold_end(uint64_t seq, const Id128& session, uint16_t partition);
  bool launch_uncommitted(const Id128& session) const {
    return uncommitted_launches_.contains(session);
  }
  bool end_uncommitted(const Id128& session) const { return uncommitted_ends_.contains(session); }
  size_t launches_in_flight() const { return uncommitted_launches_.size(); }

  // The partition is released (docs/cluster.md): its launches and ends no longer count as
  // uncommitted here, and the answers held for one of its writes (a token, a refresh, a launch)
  // are kept, detached from the records about to be dropped, until their outcome arrives: the
  // I/O core sends it before it gives the lock up (the writes are queued ahead of
  // PartitionReleased), so a committed change is always answered as committed — a client told
  // 503 for a refresh that committed would retry on the next owner, get 409
  // token_already_refreshed and never learn its new token.
  void drop_partition(uint16_t partition);

  // The outcome of intent `seq`: answers what waited for it, or undoes what a refused write did
  // and answers 503.
  void on_store_result(uint64_t seq, WriteOutcome outcome);

 private:
  void answer(const PendingWrite& pending);
  void answer_unavailable(ReplyTarget target, uint16_t route);

  const Runtime& runtime_;
  Reactor& reactor_;
  SessionStore& sessions_;
  TokenStore& tokens_;
  DurableWrites* writes_;
  LaunchAdmission& launches_;
  StopWaiters& stop_waiters_;
  Responder respond_;
  ByteBuffer body_;  // the bodies of the answers sent
  bool store_available_ = true;
  std::unordered_map<uint64_t, PendingWrite> pending_;  // by intent seq
  // Ended sessions whose end is not committed yet: a stop of them answers 503.
  std::unordered_map<Id128, uint64_t, Id128Hasher> uncommitted_ends_;
  // Launched, and waiting for their row to commit: not stoppable yet.
  std::unordered_set<Id128, Id128Hasher> uncommitted_launches_;
};

}  // namespace ringside

#pragma once
// The launch limits of a shard — each player's bucket and the shard's share of the global
// budget — and the hand-over of an accepted launch to the I/O core for placement. The budgets
// are spent when a launch is accepted for good: at once in memory, on commit with a database
// (HeldAnswers), so a launch the database refuses costs nothing.
#include <cstddef>
#include <cstdint>

#include "core/reactor.h"
#include "http/reply.h"
#include "model/metrics/player_metrics.h"
#include "model/runtime.h"
#include "model/token_bucket.h"
#include "store/session_store.h"

namespace ringside {

class LaunchAdmission {
 public:
  LaunchAdmission(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics,
                  SessionStore& sessions);

  // False, with the 429 in `reply`, when the player's bucket or the shard's budget has no room
  // for one more launch besides the `in_flight` ones (accepted, their commit awaited).
  bool has_room(const Player& player, uint64_t now, size_t in_flight, Reply& reply);
  // Spends the budgets on `s` and hands it to the I/O core for placement.
  void accept(const GameSession& s, uint64_t now);

 private:
  void place(const GameSession& s);

  const Runtime& runtime_;
  Reactor& reactor_;
  PlayerMetrics& metrics_;
  SessionStore& sessions_;
  uint16_t shard_;
  TokenBucketPolicy player_launches_;
  TokenBucket shard_budget_;
};

}  // namespace ringside

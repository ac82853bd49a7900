#pragma once
// Launch rate limiting: one bucket per player (kept on the player's shard) and one global
// launch budget. Single-threaded by construction, so nothing here locks.
//
// The bucket is kept as GCRA (the "generic cell rate algorithm" form of a token bucket): the
// only state is the time at which the bucket will be full again. With `interval` the time one
// token takes to come back (1 / rate) and `capacity` = burst * interval, the bucket at time
// `now` holds burst - max(0, full_at - now) / interval tokens, and taking n tokens moves
// full_at to max(full_at, now) + n * interval, allowed while that stays within `capacity` of
// now. It behaves exactly like a refilling token bucket but needs no refill step, no float
// that drifts, and no 32-bit clock that wraps after 49 days.
//
// Layout: the rate and burst live once per policy (TokenBucketPolicy, 16 bytes), and each
// player carries only a TokenBucketState (8 bytes, zero-initialised = full). TokenBucket
// bundles one policy with one state for the buckets that stand alone.
//
// The global launch budget is per process. ringside runs one shard per core and keeps no
// state that two cores write, so each of N shards enforces its share of the budget with a
// shard-local bucket (shard_share_of): rate / N, and burst / N but never less than one token
// so that a small burst still lets each shard launch. Players are spread over shards by a
// hash, so with many players the shares add up to the whole budget; with few, one shard may
// refuse while another still has room (the price of no cross-core state), and the rounding up
// of the burst may let a burst exceed the configured one by at most N - 1 launches.
#include <cstdint>

#include "model/rate.h"

namespace ringside {

struct TokenBucketState {
  uint64_t full_at_ns = 0;  // time (on the caller's clock) at which the bucket is full again
};
static_assert(sizeof(TokenBucketState) == 8, "kept per player: keep it small");

class TokenBucketPolicy {
 public:
  // rate > 0. burst is the bucket size in tokens; a take of n > burst tokens never succeeds.
  TokenBucketPolicy(Rate rate, double burst);

  // Takes n tokens if the bucket holds them at now_ms; leaves the state unchanged otherwise.
  // now_ms is a monotonic clock in milliseconds, never earlier than a previous call's.
  bool try_take(TokenBucketState& state, uint64_t now_ms, double n = 1) const;

  // Spending on commit: can_take says whether a take of n would succeed now, without taking;
  // take then spends n whatever the bucket holds (what can_take checked earlier, since tokens
  // only come back with time). A caller that checks for its in-flight takes plus one, and
  // spends only those that go through, never overspends and pays nothing for a failure.
  bool can_take(const TokenBucketState& state, uint64_t now_ms, double n = 1) const;
  void take(TokenBucketState& state, uint64_t now_ms, double n = 1) const;

  // Whole seconds (rounded up, at least 1, for Retry-After) until n tokens are available.
  // For n > burst, which never succeeds, the seconds until the bucket is full.
  uint32_t retry_after_seconds(const TokenBucketState& state, uint64_t now_ms, double n = 1) const;

 private:
  uint64_t cost_ns(double n) const;

  uint64_t interval_ns_;  // time for one token to come back
  uint64_t capacity_ns_;  // burst * interval: how far past now full_at may be pushed
};

// One shard's part of a per-process budget split over `shards` shards (see above).
TokenBucketPolicy shard_share_of(Rate rate, double burst, uint32_t shards);

class TokenBucket {
 public:
  TokenBucket(Rate rate, double burst, uint64_t now_ms)
      : TokenBucket(TokenBucketPolicy(rate, burst), now_ms) {}
  TokenBucket(TokenBucketPolicy policy, uint64_t now_ms);  // starts full

  bool try_take(uint64_t now_ms, double n = 1) { return policy_.try_take(state_, now_ms, n); }
  bool can_take(uint64_t now_ms, double n = 1) const { return policy_.can_take(state_, now_ms, n); }
  void take(uint64_t now_ms, double n = 1) { policy_.take(state_, now_ms, n); }
  uint32_t retry_after_seconds(uint64_t now_ms, double n = 1) const {
    return policy_.retry_after_seconds(state_, now_ms, n);
  }

 private:
  TokenBucketPolicy policy_;
  TokenBucketState state_;
};

}  // namespace ringside

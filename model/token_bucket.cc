#include "model/token_bucket.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ringside {
namespace {

constexpr uint64_t kNsPerMs = 1'000'000;
constexpr uint64_t kNsPerSecond = 1'000'000'000;
// Keeps full_at far from overflow whatever burst or rate the configuration holds.
constexpr double kMaxSpanNs = 1e18;

uint64_t to_ns(double ns) {
  return static_cast<uint64_t>(std::llround(std::clamp(ns, 0.0, kMaxSpanNs)));
}

}  // namespace

TokenBucketPolicy::TokenBucketPolicy(Rate rate, double burst)
    // Rounding the interval to whole nanoseconds first makes n takes of one token cost
    // exactly n intervals, so an integer burst admits exactly that many.
    : interval_ns_(std::max<uint64_t>(1, to_ns(1e9 / rate.per_second))),
      capacity_ns_(to_ns(burst * static_cast<double>(interval_ns_))) {}

uint64_t TokenBucketPolicy::cost_ns(double n) const {
  return to_ns(n * static_cast<double>(interval_ns_));
}

bool TokenBucketPolicy::try_take(TokenBucketState& state, uint64_t now_ms, double n) const {
  if (!can_take(state, now_ms, n)) return false;
  take(state, now_ms, n);
  return true;
}

bool TokenBucketPolicy::can_take(const TokenBucketState& state, uint64_t now_ms, double n) const {
  const uint64_t now = now_ms * kNsPerMs;
  return std::max(state.full_at_ns, now) + cost_ns(n) - now <= capacity_ns_;
}

void TokenBucketPolicy::take(TokenBucketState& state, uint64_t now_ms, double n) const {
  state.full_at_ns = std::max(state.full_at_ns, now_ms * kNsPerMs) + cost_ns(n);
}

uint32_t TokenBucketPolicy::retry_after_seconds(const TokenBucketState& state, uint64_t now_ms,
                                                double n) const {
  const uint64_t now = now_ms * kNsPerMs;
  const uint64_t start = std::max(state.full_at_ns, now);
  const uint64_t cost = cost_ns(n);
  // The take succeeds once start + cost - later_now <= capacity.
  uint64_t ready_at = start;  // for cost > capacity, which never succeeds: when full
  if (cost <= capacity_ns_) {
    const uint64_t due = start + cost;
    ready_at = due > now + capacity_ns_ ? due - capacity_ns_ : now;
  }
  const uint64_t seconds = (ready_at - now + kNsPerSecond - 1) / kNsPerSecond;
  return static_cast<uint32_t>(
      std::clamp<uint64_t>(seconds, 1, std::numeric_limits<uint32_t>::max()));
}

TokenBucketPolicy shard_share_of(Rate rate, double burst, uint32_t shards) {
  const double n = std::max<uint32_t>(1, shards);
  return TokenBucketPolicy(Rate{rate.per_second / n}, std::max(1.0, burst / n));
}

TokenBucket::TokenBucket(TokenBucketPolicy policy, uint64_t now_ms)
    : policy_(policy), state_{now_ms * kNsPerMs} {}

}  // namespace ringside

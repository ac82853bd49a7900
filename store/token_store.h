#pragma once
// One shard's token sessions (SPEC: Authentication). A token session belongs to one player and
// optionally one game; its current token slides its expiry forward on every use; a refresh
// rotates the token once, and the replaced token keeps working for a grace period.
// Only hashes of tokens are kept (TokenMinter derives the text when it must be handed out).
#include <cstdint>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "store/flat_map.h"
#include "store/slab.h"
#include "store/token_hash.h"
#include "store/token_minter.h"

namespace ringside {

inline constexpr uint16_t kAnyGame = 0xFFFF;

struct TokenGrant {
  char token[kIdTextLength];
  int64_t expires_at_ms;
};

struct AuthContext {
  uint32_t token_session = 0;
  uint32_t player = 0;
  uint16_t game_scope = kAnyGame;
  bool current = true;  // false: a replaced token inside its grace period
};

class TokenStore {
 public:
  TokenStore(uint16_t shard, const TokenMinter& minter, TimerWheel& timers, const Clock& clock,
             int64_t ttl_ms, int64_t grace_ms);
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // The live token session of (player, game) with its current token, or a new one.
  TokenGrant grant(uint32_t player, uint16_t game);
  // Finds the token; extends the session's expiry. False for unknown, expired or dead tokens.
  bool authenticate(const TokenHash& hash, AuthContext* out);
  int64_t expires_at_ms(uint32_t token_session) const;
  // Rotates the current token. False if the token used was already refreshed (it is the
  // replaced one).
  bool refresh(const AuthContext& auth, TokenGrant* out);

  size_t token_sessions() const { return sessions_.size(); }
  size_t memory_bytes() const;

 private:
  struct TokenSession : TimerNode {
    TokenStore* store;
    Id128 seed;
    TokenHash current;
    TokenHash previous;
    int64_t last_seen_ms;
    int64_t previous_dead_after_ms;
    uint32_t player;
    uint32_t generation;
    uint16_t game;
    bool has_previous;
  };
  static uint64_t owner_key(uint32_t player, uint16_t game) {
    return (uint64_t{player} << 16) | game;
  }
  struct U64Hasher {
    uint64_t operator()(uint64_t v) const {
      v ^= v >> 33;
      v *= 0xff51afd7ed558ccdULL;
      return v ^ (v >> 33);
    }
  };
  void issue(TokenSession& ts, uint32_t index, TokenGrant* out);
  void arm_expiry(TokenSession& ts);
  static void on_expiry(TimerNode* node);

  uint16_t shard_;
  const TokenMinter& minter_;
  TimerWheel& timers_;
  const Clock& clock_;
  int64_t ttl_ms_;
  int64_t grace_ms_;
  Slab<TokenSession> sessions_;
  FlatMap<TokenHash, uint32_t, TokenHashHasher> by_hash_;
  FlatMap<uint64_t, uint32_t, U64Hasher> by_owner_;
};

}  // namespace ringside

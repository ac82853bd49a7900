#pragma once
// One shard's token sessions (SPEC: Authentication). A token session belongs to one player and
// optionally one game; its current token slides its expiry forward on every use; a refresh
// rotates the token once, and the replaced token keeps working for a grace period.
// Only hashes of tokens are kept (TokenMinter derives the text when it must be handed out).
//
// Lazy write-back (docs/postgres.md): each token session remembers the expiry the database
// holds; a use marks it for the periodic write-back only once its expiry moved by a step (a
// tenth of the lifetime) past that, so a token polled all the time costs one row write per step,
// not one per flush. A release and the drain write every expiry that moved at all.
#include <cstdint>
#include <vector>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "model/flat_map.h"
#include "model/slab.h"
#include "model/token_hash.h"
#include "model/token_minter.h"

namespace ringside {

inline constexpr uint16_t kAnyGame = 0xFFFF;

struct TokenGrant {
  char token[kIdTextLength];
  int64_t expires_at_ms;
  uint32_t token_session;
};

// Everything a token session is, as the database keeps it (store/durable).
struct TokenRecord {
  Id128 seed;
  TokenHash current;
  TokenHash previous;
  int64_t last_seen_ms = 0;
  int64_t previous_dead_after_ms = 0;
  uint32_t player = 0;
  uint32_t generation = 0;
  uint16_t game = kAnyGame;
  bool has_previous = false;
  // The owner its current token was minted with: the player's partition, or the shard of a
  // legacy token minted before partitions (re-derived as it was; refresh mints a partition's).
  IdOwner minted_as;
};

struct AuthContext {
  uint32_t token_session = 0;
  uint32_t player = 0;
  uint16_t game_scope = kAnyGame;
  bool current = true;  // false: a replaced token inside its grace period
};

class TokenStore {
 public:
  TokenStore(const TokenMinter& minter, TimerWheel& timers, const Clock& clock, int64_t ttl_ms,
             int64_t grace_ms);
  ~TokenStore();
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  // The live token session of (player, game) with its current token, or a new one whose token
  // names the player's partition.
  TokenGrant grant(uint32_t player, uint16_t game, uint16_t partition);
  // Finds the token; extends the session's expiry. False for unknown, expired or dead tokens.
  bool authenticate(const TokenHash& hash, AuthContext* out);
  // Starts loading the index slot authenticate(hash) reads first (see FlatMap::prefetch).
  void prefetch(const TokenHash& hash) const { by_hash_.prefetch(hash.prefix64()); }
  int64_t expires_at_ms(uint32_t token_session) const;
  // Rotates the current token; the new one names the player's partition. False if the token
  // used was already refreshed (it is the replaced one).
  bool refresh(const AuthContext& auth, uint16_t partition, TokenGrant* out);

  // --- Durability (store/durable) ---
  TokenRecord record(uint32_t token_session) const;
  // Whether the token session at this index is still the one with this seed.
  bool alive(uint32_t token_session, const Id128& seed) const {
    return sessions_.contains(token_session) && sessions_[token_session].seed == seed;
  }
  // A token session read back from the database at start.
  void restore(const TokenRecord& record);
  // Puts back what refresh() changed, when its write could not be committed.
  void undo_refresh(uint32_t token_session, const TokenRecord& before);
  // Remember which token sessions were used, for lazy write-back of their expiry.
  void track_use() { track_use_ = true; }
  // How far a use must move an expiry past the one the database holds before it is marked for
  // write-back: a tenth of the lifetime, at least 1 ms and at most kMaxWriteBackStepMs.
  int64_t write_back_step_ms() const { return step_ms_; }
  // Half the hour the retention sweep keeps a token row past its expiry
  // (RetentionSweep::kTokenKeptAfterMs): a row behind memory by less than a step and a flush is
  // never swept while memory still honours its token (lifetimes over 5 h reach the cap).
  static constexpr int64_t kMaxWriteBackStepMs = int64_t{30} * 60'000;
  // Calls fn(const TokenRecord&) for each token session marked since the last call (its expiry
  // moved by a step since written), and counts its expiry as written.
  template <typename Fn>
  void take_used(Fn&& fn) {
    for (const Used& u : used_) {
      if (!sessions_.contains(u.index)) continue;
      TokenSession& ts = sessions_[u.index];
      if (ts.seed != u.seed || !ts.used) continue;
      ts.used = false;
      ts.written_ms = ts.last_seen_ms;
      fn(record(u.index));
    }
    used_.clear();
  }
  // Calls fn(const TokenRecord&) for every token session whose expiry moved at all since
  // written, marked or not, and counts it as written: what the drain writes, so that a clean
  // restart loses nothing. A scan: it runs once, at the end.
  template <typename Fn>
  void take_unwritten(Fn&& fn) {
    sessions_.for_each([&](uint32_t index, TokenSession& ts) {
      ts.used = false;
      if (ts.last_seen_ms == ts.written_ms) return;
      ts.written_ms = ts.last_seen_ms;
      fn(record(index));
    });
    used_.clear();
  }

  // --- Partitions (docs/cluster.md, "A partition on its shard") ---
  // Drops the token sessions of the players `in_partition(uint32_t player)` says belong to the
  // partition being released (this store knows players by index only), their expiry timers
  // cancelled and their hashes unindexed: their tokens are unknown here afterwards. A scan: a
  // release is rare. Call it before the players themselves go (SessionStore::drop_partition
  // frees their indices). Calls unwritten(const TokenRecord&) for each one going whose expiry
  // moved at all since written, so that the next owner reads it exactly. Returns how many went.
  template <typename InPartition, typename Unwritten>
  size_t drop_partition(InPartition&& in_partition, Unwritten&& unwritten) {
    size_t dropped = 0;
    sessions_.for_each([&](uint32_t index, TokenSession& ts) {
      if (!in_partition(ts.player)) return;
      if (ts.last_seen_ms != ts.written_ms) unwritten(record(index));
      drop(ts, index);
      ++dropped;
    });
    return dropped;
  }

  size_t token_sessions() const { return sessions_.size(); }
  size_t memory_bytes() const;

 private:
  struct TokenSession : TimerNode {
    TokenStore* store;
    Id128 seed;
    TokenHash current;
    int64_t last_seen_ms;
    // The last_seen_ms whose expiry the database holds (last written or loaded). Beside
    // last_seen_ms: a use reads both. Its 8 bytes take the struct from 112 to 120; a 4-byte
    // offset from last_seen_ms would cost the same (no padding to fill, 8-byte alignment) and
    // could not say a wall clock stepped back.
    int64_t written_ms;
    uint32_t player;
    uint32_t generation;
    uint16_t game;
    IdOwner minted_as;  // TokenRecord::minted_as
    bool has_previous;  // its replaced token is in replaced_
    bool used = false;  // marked for write-back since the last take_used()
  };
  static_assert(sizeof(TokenSession) == 120, "one per token session: keep it small");
  // A refreshed token session's replaced token, usable until dead_after_ms. Beside the token
  // session rather than in it: most are never refreshed, and it would cost each 40 bytes.
  struct ReplacedToken {
    TokenHash hash;
    int64_t dead_after_ms;
  };
  struct Used {
    uint32_t index;
    Id128 seed;
  };
  // The hot path: one compare while the expiry is within a step of the written one.
  void note_use(TokenSession& ts, uint32_t index) {
    if (ts.last_seen_ms - ts.written_ms < step_ms_ || ts.used || !track_use_) return;
    ts.used = true;
    used_.push_back({index, ts.seed});
  }
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
  // SHA-256 output is uniform: its first 8 bytes need no mixing.
  struct PrefixHasher {
    uint64_t operator()(uint64_t prefix) const { return prefix; }
  };
  // The token session a hash belongs to (its current or its replaced token), or null.
  uint32_t* find_by_hash(const TokenHash& hash);
  const ReplacedToken& replaced(uint32_t index) const { return *replaced_.find(index); }
  // Sets or clears (has_previous false) the replaced token, indexing its hash.
  void set_replaced(TokenSession& ts, uint32_t index, bool has_previous,
                    const ReplacedToken& replaced);
  void clear_replaced(TokenSession& ts, uint32_t index) {
    set_replaced(ts, index, false, ReplacedToken{});
  }
  void index_hash(const TokenHash& hash, uint32_t index) {
    by_hash_.insert_duplicate(hash.prefix64(), index);
  }
  void unindex_hash(const TokenHash& hash, uint32_t index) {
    by_hash_.erase_entry(hash.prefix64(), index);
  }
  void issue(TokenSession& ts, uint32_t index, TokenGrant* out);
  // Forgets a token session: its hashes, its owner entry (if still its own), its timer.
  void drop(TokenSession& ts, uint32_t index);
  void arm_expiry(TokenSession& ts);
  static void on_expiry(TimerNode* node);

  const TokenMinter& minter_;
  TimerWheel& timers_;
  const Clock& clock_;
  int64_t ttl_ms_;
  int64_t grace_ms_;
  int64_t step_ms_;  // write_back_step_ms()
  Slab<TokenSession> sessions_;
  // Token sessions by the first 8 bytes of each live token hash (current and replaced): 16 bytes
  // a slot instead of 40 with the whole hash as key. Two hashes may share a prefix, so the map
  // holds duplicates and a lookup compares the whole hash in the token session.
  FlatMap<uint64_t, uint32_t, PrefixHasher> by_hash_;
  FlatMap<uint64_t, uint32_t, U64Hasher> by_owner_;
  FlatMap<uint32_t, ReplacedToken, U64Hasher> replaced_;  // by token session index
  std::vector<Used> used_;
  bool track_use_ = false;
};

}  // namespace ringside

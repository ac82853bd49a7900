#include "store/token_store.h"

#include <string_view>

namespace ringside {

TokenStore::TokenStore(uint16_t shard, const TokenMinter& minter, TimerWheel& timers,
                       const Clock& clock, int64_t ttl_ms, int64_t grace_ms)
    : shard_(shard),
      minter_(minter),
      timers_(timers),
      clock_(clock),
      ttl_ms_(ttl_ms),
      grace_ms_(grace_ms) {}

TokenStore::~TokenStore() {
  sessions_.for_each([this](uint32_t, TokenSession& ts) { timers_.cancel(&ts); });
}

void TokenStore::issue(TokenSession& ts, uint32_t index, TokenGrant* out) {
  minter_.mint(ts.seed, ts.generation, shard_, out->token);
  ts.current = hash_token(std::string_view(out->token, kIdTextLength));
  by_hash_.insert(ts.current, index);
  out->expires_at_ms = ts.last_seen_ms + ttl_ms_;
  out->token_session = index;
}

TokenGrant TokenStore::grant(uint32_t player, uint16_t game) {
  const int64_t now = clock_.unix_ms;
  TokenGrant g;
  if (const uint32_t* found = by_owner_.find(owner_key(player, game))) {
    TokenSession& ts = sessions_[*found];
    // The same token again, if it still derives to the stored hash (another secret since a
    // restart would mint a token nobody recognises: then a new token session instead).
    if (now < ts.last_seen_ms + ttl_ms_) {
      minter_.mint(ts.seed, ts.generation, shard_, g.token);
      if (hash_token(std::string_view(g.token, kIdTextLength)) == ts.current) {
        ts.last_seen_ms = now;
        g.expires_at_ms = now + ttl_ms_;
        g.token_session = *found;
        return g;
      }
    }
  }
  uint32_t index = sessions_.emplace();
  TokenSession& ts = sessions_[index];
  ts.store = this;
  ts.on_fire = &TokenStore::on_expiry;
  ts.seed = random_id128();
  ts.last_seen_ms = now;
  ts.previous_dead_after_ms = 0;
  ts.player = player;
  ts.generation = 0;
  ts.game = game;
  ts.has_previous = false;
  // An expired session of the same owner may still wait for its timer: the new one replaces
  // it in the owner index, and the old one's expiry only removes what is its own.
  uint32_t* slot = by_owner_.insert(owner_key(player, game), index).first;
  *slot = index;
  issue(ts, index, &g);
  arm_expiry(ts);
  return g;
}

bool TokenStore::authenticate(const TokenHash& hash, AuthContext* out) {
  const uint32_t* index = by_hash_.find(hash);
  if (!index) return false;
  TokenSession& ts = sessions_[*index];
  const int64_t now = clock_.unix_ms;
  if (now >= ts.last_seen_ms + ttl_ms_) return false;
  const bool current = ts.current == hash;
  if (!current && now >= ts.previous_dead_after_ms) return false;
  ts.last_seen_ms = now;
  note_use(ts, *index);
  out->token_session = *index;
  out->player = ts.player;
  out->game_scope = ts.game;
  out->current = current;
  return true;
}

int64_t TokenStore::expires_at_ms(uint32_t token_session) const {
  return sessions_[token_session].last_seen_ms + ttl_ms_;
}

bool TokenStore::refresh(const AuthContext& auth, TokenGrant* out) {
  if (!auth.current) return false;
  TokenSession& ts = sessions_[auth.token_session];
  if (ts.has_previous) by_hash_.erase(ts.previous);
  ts.previous = ts.current;
  ts.has_previous = true;
  ts.previous_dead_after_ms = clock_.unix_ms + grace_ms_;
  ++ts.generation;
  ts.last_seen_ms = clock_.unix_ms;
  issue(ts, auth.token_session, out);
  return true;
}

TokenRecord TokenStore::record(uint32_t token_session) const {
  const TokenSession& ts = sessions_[token_session];
  TokenRecord r;
  r.seed = ts.seed;
  r.current = ts.current;
  r.previous = ts.previous;
  r.last_seen_ms = ts.last_seen_ms;
  r.previous_dead_after_ms = ts.previous_dead_after_ms;
  r.player = ts.player;
  r.generation = ts.generation;
  r.game = ts.game;
  r.has_previous = ts.has_previous;
  return r;
}

void TokenStore::restore(const TokenRecord& r) {
  uint32_t index = sessions_.emplace();
  TokenSession& ts = sessions_[index];
  ts.store = this;
  ts.on_fire = &TokenStore::on_expiry;
  ts.seed = r.seed;
  ts.current = r.current;
  ts.previous = r.previous;
  ts.last_seen_ms = r.last_seen_ms;
  ts.previous_dead_after_ms = r.previous_dead_after_ms;
  ts.player = r.player;
  ts.generation = r.generation;
  ts.game = r.game;
  ts.has_previous = r.has_previous;
  by_hash_.insert(ts.current, index);
  if (ts.has_previous) by_hash_.insert(ts.previous, index);
  *by_owner_.insert(owner_key(ts.player, ts.game), index).first = index;
  arm_expiry(ts);
}

void TokenStore::undo_refresh(uint32_t token_session, const TokenRecord& before) {
  // Expired meanwhile (and maybe reused): nothing of it to put back.
  if (!sessions_.contains(token_session)) return;
  TokenSession& ts = sessions_[token_session];
  if (ts.seed != before.seed) return;
  by_hash_.erase(ts.current);
  if (ts.has_previous && !(ts.previous == before.current)) by_hash_.erase(ts.previous);
  ts.current = before.current;
  ts.previous = before.previous;
  ts.has_previous = before.has_previous;
  ts.previous_dead_after_ms = before.previous_dead_after_ms;
  ts.generation = before.generation;
  by_hash_.insert(ts.current, token_session);
  if (ts.has_previous) by_hash_.insert(ts.previous, token_session);
}

void TokenStore::arm_expiry(TokenSession& ts) {
  timers_.arm(&ts, clock_.mono_at(ts.last_seen_ms + ttl_ms_));
}

// Expiry is checked lazily: use only moves last_seen, and the timer, when it fires, re-arms
// itself for the remaining time, so a busy token costs no timer work per request.
void TokenStore::on_expiry(TimerNode* node) {
  auto& ts = *static_cast<TokenSession*>(node);
  TokenStore& self = *ts.store;
  if (self.clock_.unix_ms < ts.last_seen_ms + self.ttl_ms_) {
    self.arm_expiry(ts);
    return;
  }
  uint32_t index = *self.by_hash_.find(ts.current);
  self.by_hash_.erase(ts.current);
  if (ts.has_previous) self.by_hash_.erase(ts.previous);
  const uint64_t key = owner_key(ts.player, ts.game);
  if (const uint32_t* owner = self.by_owner_.find(key); owner && *owner == index) {
    self.by_owner_.erase(key);
  }
  self.sessions_.erase(index);
}

size_t TokenStore::memory_bytes() const {
  return sessions_.memory_bytes() + by_hash_.memory_bytes() + by_owner_.memory_bytes();
}

}  // namespace ringside

#include "store/token_store.h"

#include <algorithm>
#include <string_view>

namespace ringside {

TokenStore::TokenStore(const TokenMinter& minter, TimerWheel& timers, const Clock& clock,
                       int64_t ttl_ms, int64_t grace_ms)
    : minter_(minter),
      timers_(timers),
      clock_(clock),
      ttl_ms_(ttl_ms),
      grace_ms_(grace_ms),
      step_ms_(std::clamp<int64_t>(ttl_ms / 10, 1, kMaxWriteBackStepMs)) {}

TokenStore::~TokenStore() {
  sessions_.for_each([this](uint32_t, TokenSession& ts) { timers_.cancel(&ts); });
}

void TokenStore::issue(TokenSession& ts, uint32_t index, TokenGrant* out) {
  minter_.mint(ts.seed, ts.generation, ts.minted_as, out->token);
  ts.current = hash_token(std::string_view(out->token, kIdTextLength));
  index_hash(ts.current, index);
  out->expires_at_ms = ts.last_seen_ms + ttl_ms_;
  out->token_session = index;
}

TokenGrant TokenStore::grant(uint32_t player, uint16_t game, uint16_t partition) {
  const int64_t now = clock_.unix_ms;
  TokenGrant g;
  if (const uint32_t* found = by_owner_.find(owner_key(player, game))) {
    TokenSession& ts = sessions_[*found];
    // The same token again, if it still derives to the stored hash (another secret since a
    // restart would mint a token nobody recognises: then a new token session instead).
    if (now < ts.last_seen_ms + ttl_ms_) {
      minter_.mint(ts.seed, ts.generation, ts.minted_as, g.token);
      if (hash_token(std::string_view(g.token, kIdTextLength)) == ts.current) {
        ts.last_seen_ms = now;
        ts.written_ms = now;  // the caller writes the grant through (api/durable_writes.h)
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
  ts.written_ms = now;  // the caller writes the grant through
  ts.player = player;
  ts.generation = 0;
  ts.game = game;
  ts.minted_as = IdOwner::partition(partition);
  ts.has_previous = false;
  // An expired session of the same owner may still wait for its timer: the new one replaces
  // it in the owner index, and the old one's expiry only removes what is its own.
  uint32_t* slot = by_owner_.insert(owner_key(player, game), index).first;
  *slot = index;
  issue(ts, index, &g);
  arm_expiry(ts);
  return g;
}

uint32_t* TokenStore::find_by_hash(const TokenHash& hash) {
  return by_hash_.find_if(hash.prefix64(), [&](uint32_t index) {
    const TokenSession& ts = sessions_[index];
    return ts.current == hash || (ts.has_previous && replaced(index).hash == hash);
  });
}

bool TokenStore::authenticate(const TokenHash& hash, AuthContext* out) {
  const uint32_t* index = find_by_hash(hash);
  if (!index) return false;
  TokenSession& ts = sessions_[*index];
  const int64_t now = clock_.unix_ms;
  if (now >= ts.last_seen_ms + ttl_ms_) return false;
  const bool current = ts.current == hash;
  if (!current && now >= replaced(*index).dead_after_ms) return false;
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

bool TokenStore::refresh(const AuthContext& auth, uint16_t partition, TokenGrant* out) {
  if (!auth.current) return false;
  const uint32_t index = auth.token_session;
  TokenSession& ts = sessions_[index];
  // The current token becomes the replaced one; its hash stays indexed.
  if (ts.has_previous) unindex_hash(replaced(index).hash, index);
  const ReplacedToken replaced_now{ts.current, clock_.unix_ms + grace_ms_};
  *replaced_.insert(index, replaced_now).first = replaced_now;
  ts.has_previous = true;
  ++ts.generation;
  ts.minted_as = IdOwner::partition(partition);
  ts.last_seen_ms = clock_.unix_ms;
  ts.written_ms = ts.last_seen_ms;  // the caller writes the refresh through
  issue(ts, index, out);
  return true;
}

TokenRecord TokenStore::record(uint32_t token_session) const {
  const TokenSession& ts = sessions_[token_session];
  TokenRecord r;
  r.seed = ts.seed;
  r.current = ts.current;
  if (ts.has_previous) {
    r.previous = replaced(token_session).hash;
    r.previous_dead_after_ms = replaced(token_session).dead_after_ms;
  }
  r.last_seen_ms = ts.last_seen_ms;
  r.player = ts.player;
  r.generation = ts.generation;
  r.game = ts.game;
  r.has_previous = ts.has_previous;
  r.minted_as = ts.minted_as;
  return r;
}

void TokenStore::restore(const TokenRecord& r) {
  uint32_t index = sessions_.emplace();
  TokenSession& ts = sessions_[index];
  ts.store = this;
  ts.on_fire = &TokenStore::on_expiry;
  ts.seed = r.seed;
  ts.current = r.current;
  ts.last_seen_ms = r.last_seen_ms;
  ts.written_ms = r.last_seen_ms;
  ts.player = r.player;
  ts.generation = r.generation;
  ts.game = r.game;
  ts.minted_as = r.minted_as;
  ts.has_previous = false;
  index_hash(ts.current, index);
  set_replaced(ts, index, r.has_previous, ReplacedToken{r.previous, r.previous_dead_after_ms});
  *by_owner_.insert(owner_key(ts.player, ts.game), index).first = index;
  arm_expiry(ts);
}

void TokenStore::undo_refresh(uint32_t token_session, const TokenRecord& before) {
  // Expired meanwhile (and maybe reused): nothing of it to put back.
  if (!sessions_.contains(token_session)) return;
  TokenSession& ts = sessions_[token_session];
  if (ts.seed != before.seed) return;
  unindex_hash(ts.current, token_session);
  ts.current = before.current;
  ts.generation = before.generation;
  ts.minted_as = before.minted_as;
  index_hash(ts.current, token_session);
  set_replaced(ts, token_session, before.has_previous,
               ReplacedToken{before.previous, before.previous_dead_after_ms});
}

void TokenStore::set_replaced(TokenSession& ts, uint32_t index, bool has_previous,
                              const ReplacedToken& r) {
  if (ts.has_previous) {
    unindex_hash(replaced(index).hash, index);
    replaced_.erase(index);
  }
  ts.has_previous = has_previous;
  if (!has_previous) return;
  replaced_.insert(index, r);
  index_hash(r.hash, index);
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
  self.drop(ts, *self.find_by_hash(ts.current));
}

void TokenStore::drop(TokenSession& ts, uint32_t index) {
  timers_.cancel(&ts);
  unindex_hash(ts.current, index);
  clear_replaced(ts, index);
  const uint64_t key = owner_key(ts.player, ts.game);
  if (const uint32_t* owner = by_owner_.find(key); owner && *owner == index) {
    by_owner_.erase(key);
  }
  sessions_.erase(index);
}

size_t TokenStore::memory_bytes() const {
  return sessions_.memory_bytes() + by_hash_.memory_bytes() + by_owner_.memory_bytes() +
         replaced_.memory_bytes();
}

}  // namespace ringside

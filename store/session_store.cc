#include "store/session_store.h"

#include "model/partition.h"

#include <algorithm>
#include <functional>

namespace ringside {

SessionStore::SessionStore(TimerWheel& timers, const Clock& clock, int64_t idle_timeout_ms,
                           TimeoutHandler on_timeout, void* ctx)
    : timers_(timers),
      clock_(clock),
      idle_timeout_ms_(idle_timeout_ms),
      step_ms_(std::max<int64_t>(1, idle_timeout_ms / 10)),
      on_timeout_(on_timeout),
      ctx_(ctx) {}

SessionStore::~SessionStore() {
  sessions_.for_each([this](uint32_t, GameSession& s) { timers_.cancel(&s); });
}

uint64_t SessionStore::player_hash(std::string_view id) {
  return std::hash<std::string_view>{}(id);
}

uint32_t SessionStore::find_or_add_player(std::string_view id) {
  const uint64_t hash = player_hash(id);
  if (const uint32_t* found =
          player_index_.find_if(hash, [&](uint32_t index) { return players_[index].id == id; })) {
    return *found;
  }
  const uint32_t index = players_.emplace();
  players_[index].id = std::string(id);
  players_[index].partition = partition_of_player(id);
  player_index_.insert_duplicate(hash, index);
  return index;
}

uint32_t SessionStore::find_player(std::string_view id) {
  const uint32_t* found = player_index_.find_if(
      player_hash(id), [&](uint32_t index) { return players_[index].id == id; });
  return found ? *found : kNoPlayer;
}

void SessionStore::erase_player(uint32_t index) {
  player_index_.erase_entry(player_hash(players_[index].id), index);
  players_.erase(index);
}

uint32_t SessionStore::create(uint32_t player, uint16_t game, const Id128& slot,
                              IdOwner slot_owner) {
  LoadedSession fresh;
  fresh.id = random_id128();
  fresh.owner = IdOwner::partition(players_[player].partition);
  fresh.slot = slot;
  fresh.slot_owner = slot_owner;
  fresh.game = game;
  fresh.started_ms = clock_.unix_ms;
  fresh.last_keepalive_ms = clock_.unix_ms;
  return restore(player, fresh);
}

GameSession* SessionStore::find(const Id128& id) {
  const uint32_t* index = by_id_.find(id);
  return index ? &sessions_[*index] : nullptr;
}

GameSession* SessionStore::find(const Id128& id, uint32_t player) {
  GameSession* s = find(id);
  return s && s->player == player ? s : nullptr;
}

uint32_t SessionStore::index_of(const Id128& id) const {
  const uint32_t* index = by_id_.find(id);
  return index ? *index : kNoSession;
}

void SessionStore::set_status(GameSession& s, SessionStatus status) {
  --by_status_[static_cast<int>(s.status)];
  s.status = status;
  ++by_status_[static_cast<int>(status)];
}

void SessionStore::keepalive(GameSession& s) {
  s.last_keepalive_ms = clock_.unix_ms;
  // The hot path: one compare while the time is within a step of the written one.
  if (s.last_keepalive_ms - s.keepalive_written_ms >= step_ms_ && !s.kept_alive &&
      track_keepalives_) {
    s.kept_alive = true;
    kept_alive_.push_back(s.id);
  }
}

uint32_t SessionStore::restore(uint32_t player, const LoadedSession& loaded) {
  uint32_t index = sessions_.emplace();
  GameSession& s = sessions_[index];
  s.store = this;
  s.on_fire = &SessionStore::on_timer;
  s.id = loaded.id;
  s.slot = loaded.slot;
  s.owner = loaded.owner;
  s.slot_owner = loaded.slot_owner;
  s.player = player;
  s.game = loaded.game;
  s.server = loaded.server;
  s.placed = loaded.has_server;
  s.pulling_after_ms = s.creating_after_ms = s.stopping_after_ms = 0;  // not in the database
  s.start_kind = StartKind::kUnknown;                                  // nor this
  s.status = loaded.status;
  s.phase = loaded.phase;
  s.error = loaded.error;
  s.end_reason = loaded.end_reason;
  s.started_ms = loaded.started_ms;
  s.running_ms = loaded.running_ms;
  s.ended_ms = loaded.ended_ms;
  s.last_keepalive_ms = loaded.last_keepalive_ms;
  s.keepalive_written_ms = loaded.last_keepalive_ms;  // loaded, or inserted with the launch
  s.cpu_seconds = loaded.cpu_seconds;
  s.peak_memory_mb = loaded.peak_memory_mb;
  s.save_error = SaveError::kNone;  // kept in memory only: not in the durable state
  s.limit_s = 0;                    // set_time_limit(), by the caller that knows the catalog
  s.queue_ticket = 0;
  by_id_.insert(s.id, index);
  ++by_status_[static_cast<int>(s.status)];
  Player& p = players_[player];
  if (s.active()) {
    p.active = index;
    arm_timer(s);
    return index;
  }
  p.history.push_back(index);
  if (p.history.size() > kHistoryKept) {
    forget(p.history.front());
    p.history.erase(p.history.begin());
  }
  return index;
}

void SessionStore::restore_slot(uint32_t player, const SaveSlot& slot) {
  players_[player].slots.push_back(slot);
}

void SessionStore::discard(uint32_t index) {
  GameSession& s = sessions_[index];
  timers_.cancel(&s);
  Player& p = players_[s.player];
  if (p.active == index) p.active = kNoSession;
  forget(index);
}

void SessionStore::remove_slot(Player& p, const Id128& id) {
  for (auto it = p.slots.begin(); it != p.slots.end(); ++it) {
    if (it->id == id) {
      p.slots.erase(it);
      return;
    }
  }
}

void SessionStore::set_time_limit(GameSession& s, uint32_t limit_s) {
  s.limit_s = limit_s;
  if (s.active()) arm_timer(s);
}

void SessionStore::arm_timer(GameSession& s) {
  int64_t deadline = s.last_keepalive_ms + idle_timeout_ms_;
  if (const int64_t ends_at = s.ends_at_ms(); ends_at != 0) deadline = std::min(deadline, ends_at);
  timers_.arm(&s, clock_.mono_at(deadline));
}

// Lazy like token expiry: a keepalive only moves last_keepalive; the timer re-arms itself. The
// limit is checked first: a session at its limit ends max_duration even if also idle.
void SessionStore::on_timer(TimerNode* node) {
  auto& s = *static_cast<GameSession*>(node);
  SessionStore& self = *s.store;
  if (s.status != SessionStatus::kStarting && s.status != SessionStatus::kRunning) return;
  const int64_t now = self.clock_.unix_ms;
  if (const int64_t ends_at = s.ends_at_ms(); ends_at != 0 && now >= ends_at) {
    self.on_timeout_(self.ctx_, self.index_of(s.id), EndReason::kMaxDuration);
    return;
  }
  if (now < s.last_keepalive_ms + self.idle_timeout_ms_) {
    self.arm_timer(s);
    return;
  }
  self.on_timeout_(self.ctx_, self.index_of(s.id), EndReason::kIdleTimeout);
}

void SessionStore::end(GameSession& s, SessionStatus final_status, EndReason reason,
                       SessionError error, double cpu_seconds, double peak_memory_mb) {
  timers_.cancel(&s);
  set_status(s, final_status);
  s.end_reason = reason;
  s.error = error;
  s.ended_ms = clock_.unix_ms;
  s.cpu_seconds = cpu_seconds;
  s.peak_memory_mb = peak_memory_mb;
  Player& p = players_[s.player];
  uint32_t index = index_of(s.id);
  if (p.active == index) p.active = kNoSession;
  p.history.push_back(index);
  if (p.history.size() > kHistoryKept) {
    forget(p.history.front());
    p.history.erase(p.history.begin());
  }
}

void SessionStore::forget(uint32_t index) {
  GameSession& s = sessions_[index];
  --by_status_[static_cast<int>(s.status)];
  by_id_.erase(s.id);
  sessions_.erase(index);
}

SaveSlot* SessionStore::find_slot(Player& p, const Id128& id) {
  for (SaveSlot& slot : p.slots) {
    if (slot.id == id) return &slot;
  }
  return nullptr;
}

SaveSlot* SessionStore::latest_slot(Player& p, uint16_t game) {
  SaveSlot* best = nullptr;
  for (SaveSlot& slot : p.slots) {
    if (slot.game == game && (!best || slot.updated_ms > best->updated_ms)) best = &slot;
  }
  return best;
}

SaveSlot& SessionStore::new_slot(Player& p, uint16_t game) {
  p.slots.push_back(
      {random_id128(), game, clock_.unix_ms, clock_.unix_ms, 0, IdOwner::partition(p.partition)});
  return p.slots.back();
}

size_t SessionStore::memory_bytes() const {
  return players_.memory_bytes() + sessions_.memory_bytes() + by_id_.memory_bytes();
}

}  // namespace ringside

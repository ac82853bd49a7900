// PlayerApi with --database-url: the start-up restore and the lazy write-back
// (docs/postgres.md). The answers held until their write commits are in HeldAnswers.
#include "api/player_api.h"
#include "model/session_limit.h"

namespace ringside {

void PlayerApi::restore(ShardState& state) {
  const int64_t ttl_ms = seconds(runtime_.config.token_ttl_s);
  for (const std::string& id : state.players) sessions_.find_or_add_player(id);
  for (const LoadedToken& t : state.tokens) {
    TokenRecord r;
    r.seed = t.seed;
    r.current = t.current;
    r.previous = t.previous;
    r.has_previous = t.has_previous;
    r.previous_dead_after_ms = t.previous_dead_ms;
    r.last_seen_ms = t.expires_ms - ttl_ms;
    r.player = sessions_.find_or_add_player(t.player_id);
    r.generation = t.generation;
    r.game = t.game;
    r.minted_as = IdOwner::partition(sessions_.player(r.player).partition);
    if (t.legacy_shard >= 0) {
      // Written before partitions: its current token still spells that shard unless a refresh
      // since minted a partition's. Only deriving it again tells which.
      const IdOwner legacy{static_cast<uint16_t>(t.legacy_shard), true};
      char token[kIdTextLength];
      minter_.mint(t.seed, t.generation, legacy, token);
      if (hash_token(std::string_view(token, kIdTextLength)) == t.current) r.minted_as = legacy;
    }
    tokens_.restore(r);
  }
  for (const LoadedSlot& slot : state.slots) {
    sessions_.restore_slot(sessions_.find_or_add_player(slot.player_id),
                           SaveSlot{slot.id, slot.game, slot.created_ms, slot.updated_ms,
                                    slot.size_bytes, slot.owner});
  }
  for (const LoadedSession& loaded : state.sessions) {
    const uint32_t index =
        sessions_.restore(sessions_.find_or_add_player(loaded.player_id), loaded);
    events_.restore(loaded);
    // Running before the restart: its limit counts from its persisted running time, so one
    // already past it is stopped max_duration at once. The catalog is this process's.
    GameSession& s = sessions_.session(index);
    if (s.status == SessionStatus::kRunning) {
      sessions_.set_time_limit(s, session_limit_s(runtime_, s.game));
    }
  }
}

void PlayerApi::flush_lazy_writes(LazyWrites which) {
  // While the database is away the marks stay here (one entry per session or token, however
  // long it lasts) rather than piling up as queued writes on the I/O core.
  if (!durable() || !held_.store_available()) return;
  const int64_t ttl_ms = seconds(runtime_.config.token_ttl_s);
  touch_scratch_.clear();
  const auto token = [&](const TokenRecord& r) {
    touch_scratch_.push_back({r.seed, IdOwner{}, r.last_seen_ms + ttl_ms});
  };
  if (which == LazyWrites::kEveryMoved) {
    tokens_.take_unwritten(token);
  } else {
    tokens_.take_used(token);
  }
  writes_->touch_tokens(touch_scratch_);
  touch_scratch_.clear();
  const auto session = [&](const GameSession& s) {
    touch_scratch_.push_back({s.id, s.owner, s.last_keepalive_ms});
  };
  if (which == LazyWrites::kEveryMoved) {
    sessions_.take_unwritten_keepalives(session);
  } else {
    sessions_.take_kept_alive(session);
  }
  writes_->touch_sessions(touch_scratch_);
}

void PlayerApi::on_lazy_write_timer(TimerNode* node) {
  PlayerApi& self = *static_cast<LazyWriteTimer*>(node)->api;
  self.flush_lazy_writes();
  self.reactor_.timers().arm(node, self.reactor_.now_ms() + kLazyWriteIntervalMs);
}

}  // namespace ringside

// PlayerApi with --database-url: answers held until their write intent commits, what a
// refused or delayed write undoes, the start-up restore and the lazy write-back
// (docs/postgres.md). The rest of PlayerApi is in player_api.cc.
#include <cstring>

#include "api/player_api.h"
#include "api/player_api_helpers.h"
#include "api/routes.h"

namespace ringside {

void PlayerApi::unavailable(Reply& reply) {
  reply.error(503, "unavailable", "The database cannot take writes now; retry shortly.");
  retry_after(reply, 2);
}

void PlayerApi::defer(uint64_t seq, PendingWrite pending, const Reply& reply) {
  pending.route = reply.route();
  pending.status = reply.status();
  pending.body = std::string(reply.body_view());
  pending_.emplace(seq, std::move(pending));
}

void PlayerApi::answer(const PendingWrite& pending) {
  Reply reply(deferred_body_);
  reply.set_route(pending.route);
  reply.set_status(pending.status);
  reply.body().append(pending.body);
  respond_(respond_ctx_, pending.target, reply);
}

void PlayerApi::answer_unavailable(ReplyTarget target, uint16_t route) {
  Reply reply(deferred_body_);
  reply.set_route(route);
  unavailable(reply);
  respond_(respond_ctx_, target, reply);
}

void PlayerApi::on_store_result(uint64_t seq, WriteOutcome outcome) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;  // a background write nobody waits for
  PendingWrite& p = it->second;
  const bool committed = outcome == WriteOutcome::kCommitted;
  switch (p.what) {
    case PendingWrite::What::kToken:
      committed ? answer(p) : answer_unavailable(p.target, p.route);
      break;
    case PendingWrite::What::kRefresh:
      if (committed) {
        answer(p);
      } else {
        tokens_.undo_refresh(p.token_session, p.before);
        // The refresh may have committed unseen: put the row back as memory has it.
        if (tokens_.alive(p.token_session, p.before.seed)) {
          const TokenRecord now = tokens_.record(p.token_session);
          writes_->token(sessions_.player(now.player), now, seconds(runtime_.config.token_ttl_s),
                         WriteClass::kBackground);
        }
        answer_unavailable(p.target, p.route);
      }
      break;
    case PendingWrite::What::kLaunch: {
      uncommitted_launches_.erase(p.session);
      // Nothing ends or stops a session while its launch is uncommitted (stop answers 503,
      // placement has not heard of it, its idle timeout is minutes away): still starting.
      GameSession* s = sessions_.find(p.session);
      if (committed && s && s->status == SessionStatus::kStarting) {
        const uint64_t now = reactor_.now_ms();
        player_launches_.take(sessions_.player(s->player).launch_bucket, now);
        shard_budget_.take(now);
        place(*s);
        metrics_.launches_accepted.add();
        answer(p);
        break;
      }
      if (s && s->status == SessionStatus::kStarting) {
        Player& player = sessions_.player(s->player);
        if (p.made_slot) sessions_.remove_slot(player, p.new_slot);
        sessions_.discard(sessions_.index_of(p.session));
      }
      // Its commit may have happened unseen (a lost connection): end the row, and drop the
      // empty slot it made, if they exist.
      writes_->abandon(p.session, p.made_slot ? &p.new_slot : nullptr);
      answer_unavailable(p.target, p.route);
      break;
    }
    case PendingWrite::What::kEnded: {
      GameSession* s = sessions_.find(p.session);
      if (outcome == WriteOutcome::kDelayed) {
        // Still retried; the stop is answered 503 now and again until it commits.
        refuse_stop_waiters(p.session);
        return;
      }
      if (auto u = uncommitted_ends_.find(p.session);
          u != uncommitted_ends_.end() && u->second == seq) {
        uncommitted_ends_.erase(u);
      }
      if (s) {
        answer_stop_waiters(*s);
      } else {
        refuse_stop_waiters(p.session);  // forgotten meanwhile: its player's history was full
      }
      break;
    }
  }
  pending_.erase(seq);
}

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
    tokens_.restore(r);
  }
  for (const LoadedSlot& slot : state.slots) {
    sessions_.restore_slot(
        sessions_.find_or_add_player(slot.player_id),
        SaveSlot{slot.id, slot.game, slot.created_ms, slot.updated_ms, slot.size_bytes});
  }
  for (const LoadedSession& loaded : state.sessions) {
    sessions_.restore(sessions_.find_or_add_player(loaded.player_id), loaded);
    if (!loaded.server_url.empty() && loaded.status == SessionStatus::kRunning) {
      session_urls_[loaded.id] = loaded.server_url;
    }
    if (loaded.status == SessionStatus::kStopping) restored_stopping_.insert(loaded.id);
  }
}

void PlayerApi::flush_lazy_writes() {
  // While the database is away the dirty sets stay here (one entry per session or token,
  // however long it lasts) rather than piling up as queued writes on the I/O core.
  if (!durable() || !store_available_) return;
  const int64_t ttl_ms = seconds(runtime_.config.token_ttl_s);
  touch_scratch_.clear();
  tokens_.take_used(
      [&](const TokenRecord& r) { touch_scratch_.emplace_back(r.seed, r.last_seen_ms + ttl_ms); });
  writes_->touch_tokens(touch_scratch_);
  touch_scratch_.clear();
  sessions_.take_kept_alive(
      [&](const GameSession& s) { touch_scratch_.emplace_back(s.id, s.last_keepalive_ms); });
  writes_->touch_sessions(touch_scratch_);
}

void PlayerApi::on_lazy_write_timer(TimerNode* node) {
  PlayerApi& self = *static_cast<LazyWriteTimer*>(node)->api;
  self.flush_lazy_writes();
  self.reactor_.timers().arm(node, self.reactor_.now_ms() + kLazyWriteIntervalMs);
}

}  // namespace ringside

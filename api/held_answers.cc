#include "api/held_answers.h"

#include <utility>

namespace ringside {

HeldAnswers::HeldAnswers(const Runtime& runtime, Reactor& reactor, SessionStore& sessions,
                         TokenStore& tokens, DurableWrites* writes, LaunchAdmission& launches,
                         StopWaiters& stop_waiters, Responder respond)
    : runtime_(runtime),
      reactor_(reactor),
      sessions_(sessions),
      tokens_(tokens),
      writes_(writes),
      launches_(launches),
      stop_waiters_(stop_waiters),
      respond_(respond) {}

void HeldAnswers::defer(uint64_t seq, PendingWrite pending, const Reply& reply) {
  if (pending.what == PendingWrite::What::kLaunch) uncommitted_launches_.insert(pending.session);
  pending.route = reply.route();
  pending.status = reply.status();
  pending.body = std::string(reply.body_view());
  pending_.emplace(seq, std::move(pending));
}

void HeldAnswers::hold_end(uint64_t seq, const Id128& session, uint16_t partition) {
  PendingWrite pending{PendingWrite::What::kEnded, ReplyTarget{}};
  pending.session = session;
  pending.partition = partition;
  pending_.emplace(seq, std::move(pending));
  uncommitted_ends_[session] = seq;
}

void HeldAnswers::answer(const PendingWrite& pending) {
  Reply reply(body_);
  reply.set_route(pending.route);
  reply.set_status(pending.status);
  reply.body().append(pending.body);
  respond_(pending.target, reply);
}

void HeldAnswers::answer_unavailable(ReplyTarget target, uint16_t route) {
  Reply reply(body_);
  reply.set_route(route);
  unavailable(reply);
  respond_(target, reply);
}

// Nothing is answered here, and nothing is written for the partition from now on: a detached
// answer neither undoes nor abandons (its records are gone, and the next owner decides from the
// rows it loads).
void HeldAnswers::drop_partition(uint16_t partition) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    PendingWrite& p = it->second;
    if (p.partition != partition || p.detached) {
      ++it;
      continue;
    }
    if (p.what == PendingWrite::What::kEnded) {
      uncommitted_ends_.erase(p.session);  // its stop waiters go with the session
      it = pending_.erase(it);
      continue;
    }
    uncommitted_launches_.erase(p.session);
    p.detached = true;
    ++it;
  }
}

void HeldAnswers::on_store_result(uint64_t seq, WriteOutcome outcome) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;  // a background write nobody waits for
  PendingWrite& p = it->second;
  const bool committed = outcome == WriteOutcome::kCommitted;
  if (p.detached) {
    // Out of the map before answering: an answer may run pipelined requests that hold theirs.
    const PendingWrite detached = std::move(p);
    pending_.erase(it);
    if (committed) {
      answer(detached);
    } else {
      Reply reply(body_);
      reply.set_route(detached.route);
      not_served(reply);
      respond_(detached.target, reply);
    }
    return;
  }
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
        launches_.accept(*s, reactor_.now_ms());
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
      writes_->abandon(p.session, p.owner, p.made_slot ? &p.new_slot : nullptr);
      answer_unavailable(p.target, p.route);
      break;
    }
    case PendingWrite::What::kEnded: {
      GameSession* s = sessions_.find(p.session);
      if (outcome == WriteOutcome::kDelayed) {
        // Still retried; the stop is answered 503 now and again until it commits.
        stop_waiters_.refuse(p.session);
        return;
      }
      if (auto u = uncommitted_ends_.find(p.session);
          u != uncommitted_ends_.end() && u->second == seq) {
        uncommitted_ends_.erase(u);
      }
      if (s) {
        stop_waiters_.answer(*s);
      } else {
        stop_waiters_.refuse(p.session);  // forgotten meanwhile: its player's history was full
      }
      break;
    }
  }
  pending_.erase(seq);
}

}  // namespace ringside

#include "api/stop_waiters.h"

#include "api/routes.h"
#include "api/session_render.h"

namespace ringside {

template <class Fill>
void StopWaiters::answer_each(const Id128& session, Fill&& fill) {
  auto found = waiters_.find(session);
  if (found == waiters_.end()) return;
  const std::vector<ReplyTarget> waiters = std::move(found->second);
  waiters_.erase(found);
  for (const ReplyTarget& t : waiters) {
    Reply reply(body_);
    reply.set_route(kRouteStop);
    fill(reply);
    respond_(t, reply);
  }
}

void StopWaiters::answer(const GameSession& s) {
  answer_each(s.id, [&s](Reply& reply) { render_stop_result(s, reply.body()); });
}

void StopWaiters::refuse(const Id128& session, void (*fill)(Reply&)) { answer_each(session, fill); }

}  // namespace ringside

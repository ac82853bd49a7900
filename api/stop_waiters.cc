#include "api/stop_waiters.h"

#include "api/routes.h"
#include "api/session_render.h"

namespace ringside {

void StopWaiters::answer(const GameSession& s) {
  auto found = waiters_.find(s.id);
  if (found == waiters_.end()) return;
  const std::vector<ReplyTarget> waiters = std::move(found->second);
  waiters_.erase(found);
  for (const ReplyTarget& t : waiters) {
    Reply reply(body_);
    reply.set_route(kRouteStop);
    render_stop_result(s, reply.body());
    respond_(t, reply);
  }
}

void StopWaiters::refuse(const Id128& session) {
  auto found = waiters_.find(session);
  if (found == waiters_.end()) return;
  const std::vector<ReplyTarget> waiters = std::move(found->second);
  waiters_.erase(found);
  for (const ReplyTarget& t : waiters) {
    Reply reply(body_);
    reply.set_route(kRouteStop);
    unavailable(reply);
    respond_(t, reply);
  }
}

}  // namespace ringside

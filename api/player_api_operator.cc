// The operator's routes about one session of any player, on the shard that owns it (the
// session id names its partition; Api::owner_of routed it here, the operator key checked where
// the request arrived): GET /operator/sessions/{id} and POST /operator/sessions/{id}/stop.
#include "api/operator_render.h"
#include "api/player_api.h"
#include "api/routes.h"
#include "model/ids.h"

namespace ringside {

GameSession* PlayerApi::operator_session_of(const PlayerCall& call, Reply& reply) {
  std::optional<ParsedId> id = parse_id(call.param, IdKind::kSession);
  GameSession* s = id ? sessions_.find(id->bits) : nullptr;
  if (!s || s->owner != id->owner) {
    not_found(reply, "No such session.");
    return nullptr;
  }
  return s;
}

bool PlayerApi::operator_session(const PlayerCall& call, ReplyTarget target, Reply& reply) {
  GameSession* s = operator_session_of(call, reply);
  if (!s) return true;
  if (!s->active() || !s->placed) {
    render_operator_session(*s, {}, reply);
    return true;
  }
  // The container or hosted session id is the backend's, on the I/O core: asked for there.
  reactor_.mailbox().send(runtime_.io_thread(), BackendIdQuery{s->id, target});
  return false;
}

bool PlayerApi::on_backend_id(uint32_t from, const BackendIdReply& m) {
  if (from != runtime_.io_thread()) return false;
  Reply reply(operator_body_);
  reply.set_route(kRouteOperatorSession);
  // Gone meanwhile (its partition released): as if it had never been found.
  GameSession* s = sessions_.find(m.session);
  if (!s || partitions_.route(sessions_.player(s->player).partition, reactor_.now_ms()) !=
                PartitionRoute::kServe) {
    not_found(reply, "No such session.");
  } else {
    render_operator_session(*s, m.backend_id, reply);
  }
  respond_(m.target, reply);
  return true;
}

void PlayerApi::render_operator_session(const GameSession& s, std::string_view backend_id,
                                        Reply& reply) {
  JsonWriter w(reply.body());
  w.begin_object();
  render_operator_fields(w, s, sessions_.player(s.player).id, render_, url_scratch_,
                         sessions_.idle_deadline_ms(s), reactor_.clock().unix_ms);
  w.key("image").value(runtime_.catalog.games()[s.game].image).key("backendId");
  if (backend_id.empty()) {
    w.null();
  } else {
    w.value(backend_id);
  }
  render_start_kind(w, s);
  render_timeline(w, s);
  w.end_object();
}

bool PlayerApi::operator_stop(const PlayerCall& call, ReplyTarget target, Reply& reply) {
  GameSession* s = operator_session_of(call, reply);
  if (!s) return true;
  return stop_session(*s, EndReason::kOperatorStop, target, reply);
}

}  // namespace ringside

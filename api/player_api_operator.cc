// The operator's routes about one session of any player, on the shard that owns it (the
// session id names its partition; Api::owner_of routed it here, the operator key checked where
// the request arrived): GET /operator/sessions/{id} and POST /operator/sessions/{id}/stop.
#include "api/operator_render.h"
#include "api/player_api.h"
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

void PlayerApi::operator_session(const PlayerCall& call, Reply& reply) {
  GameSession* s = operator_session_of(call, reply);
  if (!s) return;
  JsonWriter w(reply.body());
  w.begin_object();
  render_operator_fields(w, *s, sessions_.player(s->player).id, render_, url_scratch_,
                         sessions_.idle_deadline_ms(*s), reactor_.clock().unix_ms);
  w.key("image").value(runtime_.catalog.games()[s->game].image);
  // The container id (Docker) or hosted session id (Gameye) is the I/O core's, not kept here.
  w.key("backendId").null();
  render_timeline(w, *s);
  w.end_object();
}

bool PlayerApi::operator_stop(const PlayerCall& call, ReplyTarget target, Reply& reply) {
  GameSession* s = operator_session_of(call, reply);
  if (!s) return true;
  return stop_session(*s, EndReason::kOperatorStop, target, reply);
}

}  // namespace ringside

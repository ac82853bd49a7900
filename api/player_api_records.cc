// What the player has: the active session (list and /current), the history, a session's
// details, the save slots.
#include <charconv>

#include "api/player_api.h"
#include "api/routes.h"
#include "http/query.h"
#include "model/identifiers.h"

namespace ringside {

void PlayerApi::list_sessions(const AuthContext& auth, Reply& reply) {
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object().key("sessions").begin_array();
  if (p.active != kNoSession) {
    render_session_entry(w, sessions_.session(p.active), runtime_.catalog);
  }
  w.end_array().end_object();
}

void PlayerApi::current(const AuthContext& auth, Reply& reply) {
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object();
  if (p.active == kNoSession) {
    w.key("active").value(false);
  } else {
    w.key("active").value(true).key("session").begin_object();
    render_status_fields(w, sessions_.session(p.active), render_, url_scratch_);
    w.end_object();
  }
  w.end_object();
}

void PlayerApi::history(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  uint64_t limit = 10;
  if (std::optional<QueryValue> q = query_param(call.query, "limit")) {
    std::string_view v = q->value;
    auto r = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (!q->ok || v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || limit < 1 ||
        limit > 100) {
      return bad_request(reply, "Query parameter 'limit' must be an integer from 1 to 100.");
    }
  }
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_array();
  uint64_t written = 0;
  for (auto it = p.history.rbegin(); it != p.history.rend() && written < limit; ++it, ++written) {
    render_history_entry(w, sessions_.session(*it), runtime_.catalog);
  }
  w.end_array();
}

void PlayerApi::details(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  GameSession* s = session_by_text(call.param, auth);
  if (!s) return not_found(reply, "No such session.");
  JsonWriter w(reply.body());
  w.begin_object();
  render_details_fields(w, *s, render_, url_scratch_, sessions_.idle_deadline_ms(*s),
                        reactor_.clock().unix_ms);
  w.end_object();
}

void PlayerApi::save_slots(const PlayerCall& call, const AuthContext& auth, Reply& reply) {
  uint16_t game = auth.game_scope;
  if (std::optional<QueryValue> q = query_param(call.query, "gameSlug")) {
    if (!q->ok || !is_valid_slug(q->value)) return bad_request(reply, kBadGameSlugQuery);
    int g = runtime_.catalog.find(q->value);
    if (g < 0) return not_found(reply, "No game with that slug.");
    if (auth.game_scope != kAnyGame && static_cast<uint16_t>(g) != auth.game_scope) {
      reply.error(403, "forbidden", "This token is scoped to another game.");
      return;
    }
    game = static_cast<uint16_t>(g);
  }
  Player& p = sessions_.player(auth.player);
  JsonWriter w(reply.body());
  w.begin_object().key("slots").begin_array();
  for (const SaveSlot& slot : p.slots) {
    if (game != kAnyGame && slot.game != game) continue;
    render_save_slot(w, slot, runtime_.catalog);
  }
  w.end_array().end_object();
}

}  // namespace ringside

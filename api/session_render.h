#pragma once
// The JSON of the player routes' answers: a session, a stop's result, a game, a save slot.
// Free functions of what they render and what they need to do it; the player routes call them,
// and bench/micro/player_path_bench.cc measures the status poll's through them.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/byte_buffer.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "model/backend.h"
#include "model/catalog.h"
#include "model/metrics/placement_metrics.h"
#include "store/session_store.h"

namespace ringside {

// serverUrl of the running sessions that have one of their own (hosted backends); the others
// use their server's url_base. Empty with the sim and Docker backends.
using SessionUrls = std::unordered_map<Id128, std::string, Id128Hasher>;

// What a session's answers are rendered with besides the session (whose ids carry their own
// owner): the game titles and the servers' URLs.
struct SessionRenderContext {
  const Catalog& catalog;
  const std::vector<GameServerInfo>& servers;
  const SessionUrls& session_urls;
  const PlacementMetrics& queue;  // what the I/O core publishes of the launch queue
  const Clock& clock;             // the shard's, for the time since the queue last moved
};

// The session's id as a JSON string value.
void render_session_id(JsonWriter& w, const GameSession& s);
// The fields of the status poll and of /current: id, status, URLs, game title, start, phase,
// error; while queued, the position and estimate; while running under a limit, its end.
// `url_scratch` holds the containerUrl while it is written.
void render_status_fields(JsonWriter& w, const GameSession& s, const SessionRenderContext& ctx,
                          ByteBuffer& url_scratch);
// The status fields and the rest of a session's details; `idle_deadline_ms` and `now_unix_ms`
// are read for an active session only.
void render_details_fields(JsonWriter& w, const GameSession& s, const SessionRenderContext& ctx,
                           ByteBuffer& url_scratch, int64_t idle_deadline_ms, int64_t now_unix_ms);
// An entry of the player's session list.
void render_session_entry(JsonWriter& w, const GameSession& s, const Catalog& catalog);
// An entry of the player's history (an ended session).
void render_history_entry(JsonWriter& w, const GameSession& s, const Catalog& catalog);
// The answer to a stop of an ended session: its status and figures.
void render_stop_result(const GameSession& s, ByteBuffer& out);
// "saveError", if the session's stop could not keep its save data.
void render_save_error(JsonWriter& w, const GameSession& s);
void render_game(JsonWriter& w, const Game& g);
void render_save_slot(JsonWriter& w, const SaveSlot& slot, const Catalog& catalog);

}  // namespace ringside

#pragma once
// The JSON of the operator's session routes (docs/operator-api.md, "Sessions"): a session as
// the player's details show it plus whose it is and where it runs, and its timeline.
#include <cstdint>
#include <string_view>

#include "api/session_render.h"

namespace ringside {

// The fields of GET /api/game/session/{id} plus `playerId` and `server` (a name, or null while
// it is not placed). `idle_deadline_ms` and `now_unix_ms` as render_details_fields reads them.
void render_operator_fields(JsonWriter& w, const GameSession& s, std::string_view player_id,
                            const SessionRenderContext& ctx, ByteBuffer& url_scratch,
                            int64_t idle_deadline_ms, int64_t now_unix_ms);
// "startKind": how its start got its container — "warm", "cached" or "pulled" — or null (not
// running yet, never ran, restored from the database, or a backend that does not tell).
void render_start_kind(JsonWriter& w, const GameSession& s);
// "timeline": [{"at", "status", "phase"?}] in the order it happened, from what the session
// kept (store/session_store.h): a session restored from the database has its launch, the
// moment it ran and its end; one started by this process also has its phases and its stop.
void render_timeline(JsonWriter& w, const GameSession& s);
// An instant as RFC 3339 UTC with milliseconds ("2025-03-09T10:15:00.120Z").
void render_ms_time(JsonWriter& w, int64_t unix_ms);

}  // namespace ringside

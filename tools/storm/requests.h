#pragma once
// The bytes of each request a player sends: HTTP/1.1, keep-alive, JSON bodies, a bearer token.
#include <string>
#include <string_view>

namespace ringside::storm {

// POST /operator/launch {"playerId", "gameSlug"} with the operator key.
std::string operator_launch_request(std::string_view host, std::string_view operator_key,
                                    std::string_view player_id, std::string_view game);
// POST /api/game/launch {"gameSlug"}.
std::string launch_request(std::string_view host, std::string_view token, std::string_view game);
// GET /api/game/session-status?sessionId=...
std::string status_request(std::string_view host, std::string_view token,
                           std::string_view session_id);
// POST /api/game/keepalive {"sessionId"}.
std::string keepalive_request(std::string_view host, std::string_view token,
                              std::string_view session_id);
// POST /api/game/stop {"sessionId"}.
std::string stop_request(std::string_view host, std::string_view token,
                         std::string_view session_id);

}  // namespace ringside::storm

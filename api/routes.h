#pragma once
// Every route ringside serves: its id (also its metrics label), method and pattern, and
// whose state it needs: any shard's (operations), or the shard owning the caller's player.
#include <cstdint>
#include <string_view>

#include "http/router.h"

namespace ringside {

enum RouteId : uint16_t {
  kRouteHealthz,
  kRouteReadyz,
  kRouteMetrics,
  kRouteOperatorLaunch,
  kRouteCluster,  // GET /cluster (operator key), answered by the I/O core
  kRouteSessionRefresh,
  kRouteGames,
  kRouteGame,
  kRouteLaunch,
  kRouteSessionStatus,
  kRouteKeepalive,
  kRouteStop,
  kRouteSessions,
  kRouteCurrent,
  kRouteHistory,
  kRouteSessionDetails,
  kRouteSaveSlots,
  // Another node's forwarded player request (docs/cluster.md); not a public route.
  kRouteNodeForward,
  // Operator servers (issue 17), operator key, answered by the I/O core.
  kRouteOperatorServers,
  kRouteOperatorServerCordon,
  kRouteOperatorServerUncordon,
  kRouteOperatorServerDrain,
  // The OpenAPI document (api/openapi.json), no authentication.
  kRouteOpenApi,
  // Operator sessions (issue 17; docs/operator-api.md "Sessions"): the list is answered from
  // every shard by the shard it reached; one session and its stop by the session's owner.
  kRouteOperatorSessions,
  kRouteOperatorSession,
  kRouteOperatorSessionStop,
  // The play page (issue 19, docs/play-page.md): the page for any slug or none, and its css
  // and js.
  kRoutePlayPage,
  kRoutePlayAsset,
  kRouteCount,
};

struct RouteSpec {
  RouteId id;
  Method method;
  std::string_view pattern;
};

inline constexpr RouteSpec kRoutes[] = {
    {kRouteHealthz, Method::kGet, "/healthz"},
    {kRouteReadyz, Method::kGet, "/readyz"},
    {kRouteMetrics, Method::kGet, "/metrics"},
    {kRouteOperatorLaunch, Method::kPost, "/operator/launch"},
    {kRouteCluster, Method::kGet, "/cluster"},
    {kRouteSessionRefresh, Method::kPost, "/session/refresh"},
    {kRouteGames, Method::kGet, "/api/games"},
    {kRouteGame, Method::kGet, "/api/games/{slug}"},
    {kRouteLaunch, Method::kPost, "/api/game/launch"},
    {kRouteSessionStatus, Method::kGet, "/api/game/session-status"},
    {kRouteKeepalive, Method::kPost, "/api/game/keepalive"},
    {kRouteStop, Method::kPost, "/api/game/stop"},
    {kRouteSessions, Method::kGet, "/api/game/sessions"},
    {kRouteCurrent, Method::kPost, "/api/game/current"},
    {kRouteHistory, Method::kGet, "/api/game/history"},
    {kRouteSessionDetails, Method::kGet, "/api/game/session/{sessionId}"},
    {kRouteSaveSlots, Method::kGet, "/api/game/save-slots"},
    {kRouteNodeForward, Method::kPost, "/_ringside/forward"},
    {kRouteOperatorServers, Method::kGet, "/operator/servers"},
    {kRouteOperatorServerCordon, Method::kPost, "/operator/servers/{name}/cordon"},
    {kRouteOperatorServerUncordon, Method::kPost, "/operator/servers/{name}/uncordon"},
    {kRouteOperatorServerDrain, Method::kPost, "/operator/servers/{name}/drain"},
    {kRouteOpenApi, Method::kGet, "/openapi.json"},
    {kRouteOperatorSessions, Method::kGet, "/operator/sessions"},
    {kRouteOperatorSession, Method::kGet, "/operator/sessions/{sessionId}"},
    {kRouteOperatorSessionStop, Method::kPost, "/operator/sessions/{sessionId}/stop"},
    {kRoutePlayPage, Method::kGet, "/play/{slug}"},
    {kRoutePlayPage, Method::kGet, "/play/"},  // a launch URL without a game
    {kRoutePlayAsset, Method::kGet, "/play/_/{hash}/{file}"},
};

// Routes answered by the shard that owns the bearer token's player.
inline constexpr bool is_player_route(uint16_t route) {
  return route >= kRouteSessionRefresh && route <= kRouteSaveSlots;
}

// Player routes whose answer may come later than the request (PlayerApi::handle returns false
// for them): a launch or refresh waiting for its commit, a stop for its figures, the operator's
// view of a session for its backend id from the I/O core. Forwarded on a
// peer connection of their own (PeerLane::kMayWait), so polls never queue behind them.
inline constexpr bool answers_later(uint16_t route) {
  return route == kRouteLaunch || route == kRouteStop || route == kRouteSessionRefresh ||
         route == kRouteOperatorLaunch || route == kRouteOperatorSession ||
         route == kRouteOperatorSessionStop;
}

// Operator routes about one session, answered by the shard that owns it: the session id in the
// path names its partition, as a token does for a player route (the operator key is checked
// where the request arrived; the owner does not see it).
inline constexpr bool is_operator_session_route(uint16_t route) {
  return route == kRouteOperatorSession || route == kRouteOperatorSessionStop;
}

std::string_view route_label(uint16_t route);

}  // namespace ringside

#pragma once
// Every route ringside serves: its id (also its metrics label index), method and pattern.
#include <cstdint>
#include <string_view>

#include "http/router.h"

namespace ringside {

enum RouteId : uint16_t {
  kRouteHealthz,
  kRouteReadyz,
  kRouteMetrics,
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
};

std::string_view route_label(uint16_t route);

}  // namespace ringside

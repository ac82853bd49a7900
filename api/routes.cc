#include "api/routes.h"

#include "model/metrics/http_metrics.h"

namespace ringside {

static_assert(kRouteCount < kMaxRoutes, "raise kMaxRoutes");

std::string_view route_label(uint16_t route) {
  for (const RouteSpec& r : kRoutes) {
    if (r.id == route) return r.pattern;
  }
  return "unmatched";
}

}  // namespace ringside

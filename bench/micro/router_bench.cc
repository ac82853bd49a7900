// Route matching as the server does it on every request, against a table the size of the API.
#include <benchmark/benchmark.h>

#include "http/router.h"

namespace ringside {
namespace {

Router api_sized_router() {
  Router r;
  uint16_t id = 0;
  r.add(Method::kPost, "/operator/launch", id++);
  r.add(Method::kPost, "/session/refresh", id++);
  r.add(Method::kGet, "/api/games", id++);
  r.add(Method::kGet, "/api/games/{slug}", id++);
  r.add(Method::kPost, "/api/game/launch", id++);
  r.add(Method::kPost, "/api/game/keepalive", id++);
  r.add(Method::kPost, "/api/game/stop", id++);
  r.add(Method::kGet, "/api/game/sessions", id++);
  r.add(Method::kPost, "/api/game/current", id++);
  r.add(Method::kGet, "/api/game/history", id++);
  r.add(Method::kGet, "/api/game/save-slots", id++);
  r.add(Method::kGet, "/api/game/session/{sessionId}", id++);
  r.add(Method::kGet, "/api/game/save-slots/{slotId}", id++);
  r.add(Method::kDelete, "/api/game/save-slots/{slotId}", id++);
  r.add(Method::kGet, "/api/games/{slug}/slots/{slotId}", id++);
  r.add(Method::kGet, "/healthz", id++);
  r.add(Method::kGet, "/readyz", id++);
  r.add(Method::kGet, "/metrics", id++);
  r.add(Method::kGet, "/admin/servers", id++);
  // Registered last, so a linear scan of the exact routes reaches it at the end.
  r.add(Method::kGet, "/api/game/session-status", id++);
  return r;
}

void match_path(benchmark::State& state, Method method, std::string_view path) {
  const Router router = api_sized_router();
  for (auto _ : state) {
    benchmark::DoNotOptimize(path);
    RouteMatch m = router.match(method, path);
    benchmark::DoNotOptimize(m);
  }
}

void BM_RouterMatchSessionStatus(benchmark::State& state) {
  match_path(state, Method::kGet, "/api/game/session-status");
}
BENCHMARK(BM_RouterMatchSessionStatus);

void BM_RouterMatchParamRoute(benchmark::State& state) {
  match_path(state, Method::kGet, "/api/game/session/s1k7d3j9q2m4x8p6r5t0v1w3y2");
}
BENCHMARK(BM_RouterMatchParamRoute);

void BM_RouterMatchNotFound(benchmark::State& state) {
  match_path(state, Method::kGet, "/api/game/session/s1k7d3j9q2m4x8p6r5t0v1w3y2/extra");
}
BENCHMARK(BM_RouterMatchNotFound);

}  // namespace
}  // namespace ringside

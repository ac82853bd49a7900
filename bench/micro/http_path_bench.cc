// The per-request CPU path of a shard without the kernel: llhttp parsing, routing, handling
// and framing the response into the connection's output buffer.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <string>

#include "http/reply.h"
#include "http/request_parser.h"
#include "http/router.h"
#include "model/metrics/http_metrics.h"

namespace ringside {
namespace {

constexpr std::string_view kHealthz =
    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\n\r\n";
constexpr std::string_view kStatusPoll =
    "GET /api/game/session-status?sessionId=saa3qgok5mic7dghkynh3z3ztlds4 HTTP/1.1\r\n"
    "Host: play.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0\r\n"
    "Accept: application/json\r\nAuthorization: Bearer taapjih7aamp7c22nlzc5wnqbdsoe\r\n"
    "Accept-Language: en-US,en;q=0.9\r\nConnection: keep-alive\r\n\r\n";

Router make_router() {
  Router r;
  const char* paths[] = {"/healthz",       "/readyz",           "/metrics",
                         "/api/games",     "/api/game/launch",  "/api/game/session-status",
                         "/api/game/stop", "/api/game/history", "/api/game/sessions"};
  uint16_t id = 0;
  for (const char* p : paths) r.add(Method::kGet, p, id++);
  r.add(Method::kGet, "/api/games/{slug}", id++);
  r.add(Method::kGet, "/api/game/session/{sessionId}", id++);
  return r;
}

void run_path(benchmark::State& state, std::string_view wire, std::string_view body) {
  Router router = make_router();
  RequestParser parser;
  ByteBuffer out, scratch;
  const std::string_view date = "Date: Tue, 24 Nov 2026 05:28:31 GMT\r\n";
  for (auto _ : state) {
    size_t used = 0;
    if (parser.execute(wire.data(), wire.size(), &used) != RequestParser::Status::kComplete) {
      state.SkipWithError("parse failed");
      break;
    }
    const Request& req = parser.request();
    RouteMatch m = router.match(req.method, req.path);
    Reply reply(scratch);
    reply.set_route(m.route_id);
    reply.body().append(body);
    write_response(out, date, reply.status(), reply.content_type(), reply.extra_headers(),
                   reply.body_view(), false, false);
    benchmark::DoNotOptimize(out.data());
    out.clear();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * wire.size()));
}

void BM_HttpPathHealthz(benchmark::State& state) {
  run_path(state, kHealthz, R"({"status":"ok"})");
}
BENCHMARK(BM_HttpPathHealthz);

void BM_HttpPathStatusPollRequest(benchmark::State& state) {
  run_path(state, kStatusPoll,
           R"({"sessionId":"saa3qgok5mic7dghkynh3z3ztlds4","status":"running","serverUrl":)"
           R"("https://gs01.sim.ringside.test","containerUrl":"https://gs01.sim.ringside.test/)"
           R"(session/saa3qgok5mic7dghkynh3z3ztlds4/","gameTitle":"The Library of Babel",)"
           R"("startedAt":"2026-11-24T05:42:25Z"})");
}
BENCHMARK(BM_HttpPathStatusPollRequest);

// What every answer records (HttpMetrics::record): its route's request counter and latency
// histogram. Latencies spread over the buckets.
void BM_HttpRecordAnswer(benchmark::State& state) {
  auto metrics = std::make_unique<HttpMetrics>();
  uint64_t latency_us = 0;
  for (auto _ : state) {
    uint16_t route = 9;  // the status poll's (api/routes.h), opaque to the compiler
    benchmark::DoNotOptimize(route);
    metrics->record(route, 200, latency_us);
    latency_us = (latency_us + 37) % 2000;
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_HttpRecordAnswer);

}  // namespace
}  // namespace ringside

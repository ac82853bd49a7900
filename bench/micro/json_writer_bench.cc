// Rendering a session-status body (the hot path: every browser polls it every 2 s) into a
// reused buffer, as the server does.
#include <benchmark/benchmark.h>

#include "core/byte_buffer.h"
#include "core/json_writer.h"

namespace ringside {
namespace {

void render_session_status(ByteBuffer& out) {
  JsonWriter w(out);
  w.begin_object();
  w.key("sessionId").value("s1k7d3j9q2m4x8p6r5t0v1w3y2");
  w.key("status").value("running");
  w.key("serverUrl").value("https://gs-eu-west-17.play.example.com");
  w.key("containerUrl")
      .value("https://gs-eu-west-17.play.example.com/c/s1k7d3j9q2m4x8p6r5t0v1w3y2");
  w.key("gameTitle").value("Caf\xC3\xA9 Racer: \"Night\" Edition");
  w.key("startedAt").timestamp(1741515300);
  w.key("cpuSeconds").value(1234.5);
  w.key("peakMemoryMb").value(uint32_t{2048});
  w.end_object();
}

void BM_JsonWriterSessionStatus(benchmark::State& state) {
  ByteBuffer out(1024);
  for (auto _ : state) {
    out.clear();
    render_session_status(out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_JsonWriterSessionStatus);

}  // namespace
}  // namespace ringside

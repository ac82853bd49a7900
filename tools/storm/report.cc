#include "tools/storm/report.h"

#include <cerrno>
#include <cstring>

#include "core/byte_buffer.h"
#include "core/json_writer.h"

namespace ringside::storm {
namespace {

constexpr size_t kNamedInText = 20;  // lost or duplicated sessions listed before "and N more"
constexpr uint64_t kLagWorthANoteNs = 10'000'000;

struct Quantile {
  const char* name;
  double percent;
};
constexpr Quantile kQuantiles[] = {{"p50", 50}, {"p90", 90}, {"p99", 99}, {"p99.9", 99.9}};

double ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string player(const ReportInput& in, uint64_t n) {
  return "storm-" + in.run_id + "-" + std::to_string(n);
}

// Latencies of an endpoint; `stats` null for a derived row (time to running, lag) that has no
// requests of its own.
void write_latency_row(FILE* out, const char* name, const EndpointStats* stats,
                       const Histogram& h) {
  if (stats != nullptr) {
    std::fprintf(out, "%-16s %9llu %9llu %9llu", name, static_cast<unsigned long long>(stats->sent),
                 static_cast<unsigned long long>(h.count()),
                 static_cast<unsigned long long>(stats->failed));
  } else {
    std::fprintf(out, "%-16s %9s %9llu %9s", name, "", static_cast<unsigned long long>(h.count()),
                 "");
  }
  for (const Quantile& q : kQuantiles) std::fprintf(out, " %10.3f", ms(h.percentile(q.percent)));
  std::fprintf(out, " %10.3f\n", ms(h.max()));
}

void write_latency_json(JsonWriter& json, const Histogram& h) {
  json.begin_object();
  json.key("count").value(h.count());
  json.key("min").value(ms(h.min()));
  json.key("mean").value(h.mean() / 1e6);
  for (const Quantile& q : kQuantiles) json.key(q.name).value(ms(h.percentile(q.percent)));
  json.key("max").value(ms(h.max()));
  json.end_object();
}

void write_endpoint_json(JsonWriter& json, const EndpointStats& s) {
  json.begin_object();
  json.key("sent").value(s.sent);
  json.key("ok").value(s.ok);
  json.key("errors").value(s.failed);
  json.key("latencyMs");
  write_latency_json(json, s.latency);
  json.end_object();
}

}  // namespace

void write_text_report(FILE* out, const ReportInput& in) {
  const RunStats& stats = *in.stats;
  const RunTimes& t = in.times;
  std::fprintf(out, "\nstorm run %s against %s: %s\n", in.run_id.c_str(), in.target.c_str(),
               in.schedule.c_str());
  std::fprintf(out, "launches offered %llu in %.1f s",
               static_cast<unsigned long long>(t.launches_offered), t.offered_s);
  if (t.offered_s > 0) {
    std::fprintf(out, " (%.1f/s)", static_cast<double>(t.launches_offered) / t.offered_s);
  }
  std::fprintf(out, "; run took %.1f s%s%s\n", t.elapsed_s, t.interrupted ? "; INTERRUPTED" : "",
               t.cut_short ? "; grace period over with flows still under way" : "");
  if (!in.steady_polls.empty()) {
    std::fprintf(out, "steady status polls offered %llu: %s\n",
                 static_cast<unsigned long long>(t.steady_polls_offered), in.steady_polls.c_str());
  }
  std::fprintf(out, "\n");

  std::fprintf(out, "%-16s %9s %9s %9s %10s %10s %10s %10s %10s  (ms from intended send)\n",
               "endpoint", "sent", "answered", "errors", "p50", "p90", "p99", "p99.9", "max");
  // A steady poll load alone has no players: their rows would be all zeros.
  const bool players = in.steady_polls.empty() || t.launches_offered > 0;
  for (size_t e = 0; e < kEndpointCount && players; ++e) {
    const EndpointStats& s = stats.endpoints[e];
    const std::string name(endpoint_name(static_cast<Endpoint>(e)));
    write_latency_row(out, name.c_str(), &s, s.latency);
  }
  if (!in.steady_polls.empty()) {
    const std::string name(kSteadyStatusName);
    write_latency_row(out, name.c_str(), &stats.steady_status, stats.steady_status.latency);
  }
  std::fprintf(out, "\n");
  if (players) write_latency_row(out, "time-to-running", nullptr, stats.time_to_running);
  write_latency_row(out, "generator-lag", nullptr, stats.generator_lag);

  const uint64_t lag_p99 = stats.generator_lag.percentile(99);
  if (lag_p99 > kLagWorthANoteNs) {
    std::fprintf(out,
                 "note: storm ran behind its own schedule (generator-lag p99 %.1f ms): the "
                 "latencies include that delay; give storm a core of its own\n",
                 ms(lag_p99));
  }

  if (!stats.errors.empty()) {
    std::fprintf(out, "\nerrors by code:\n");
    for (const auto& [key, count] : stats.errors) {
      std::fprintf(out, "  %-48s %llu\n", key.c_str(), static_cast<unsigned long long>(count));
    }
  }

  const LaunchAccounting::Summary books = in.accounting->summary();
  std::fprintf(out,
               "\naccounting: accepted %llu = running %llu + error %llu + stopped %llu"
               " + unaccounted %llu (still starting); duplicates %zu: %s\n",
               static_cast<unsigned long long>(books.accepted),
               static_cast<unsigned long long>(books.running),
               static_cast<unsigned long long>(books.error),
               static_cast<unsigned long long>(books.stopped),
               static_cast<unsigned long long>(books.starting), books.duplicates.size(),
               books.balanced() ? "OK" : "FAILED");
  for (size_t i = 0; i < books.lost.size() && i < kNamedInText; ++i) {
    const uint64_t n = books.lost[i];
    std::fprintf(out, "  lost: %s session %s\n", player(in, n).c_str(),
                 std::string(in.accounting->session_id(n)).c_str());
  }
  if (books.lost.size() > kNamedInText) {
    std::fprintf(out, "  ... and %zu more lost\n", books.lost.size() - kNamedInText);
  }
  for (size_t i = 0; i < books.duplicates.size() && i < kNamedInText; ++i) {
    const auto& d = books.duplicates[i];
    std::fprintf(out, "  duplicate: session %s given to %s and %s\n", d.session_id.c_str(),
                 player(in, d.first_launch).c_str(), player(in, d.second_launch).c_str());
  }
  if (books.duplicates.size() > kNamedInText) {
    std::fprintf(out, "  ... and %zu more duplicates\n", books.duplicates.size() - kNamedInText);
  }
}

std::string write_json_report(const std::string& path, const ReportInput& in) {
  const RunStats& stats = *in.stats;
  const RunTimes& t = in.times;
  ByteBuffer buffer;
  JsonWriter json(buffer);
  json.begin_object();
  json.key("run").value(in.run_id);
  json.key("target").value(in.target);
  json.key("schedule").value(in.schedule);
  json.key("launchesOffered").value(t.launches_offered);
  json.key("offeredSeconds").value(t.offered_s);
  json.key("elapsedSeconds").value(t.elapsed_s);
  json.key("interrupted").value(t.interrupted);
  json.key("cutShort").value(t.cut_short);

  json.key("endpoints").begin_object();
  for (size_t e = 0; e < kEndpointCount; ++e) {
    const EndpointStats& s = stats.endpoints[e];
    json.key(endpoint_name(static_cast<Endpoint>(e)));
    write_endpoint_json(json, s);
  }
  json.end_object();
  if (!in.steady_polls.empty()) {
    json.key("steadyPolls").begin_object();
    json.key("schedule").value(in.steady_polls);
    json.key("offered").value(t.steady_polls_offered);
    json.key("status");
    write_endpoint_json(json, stats.steady_status);
    json.end_object();
  }
  json.key("timeToRunningMs");
  write_latency_json(json, stats.time_to_running);
  json.key("generatorLagMs");
  write_latency_json(json, stats.generator_lag);

  json.key("errors").begin_object();
  for (const auto& [key, count] : stats.errors) json.key(key).value(count);
  json.end_object();

  const LaunchAccounting::Summary books = in.accounting->summary();
  json.key("accounting").begin_object();
  json.key("accepted").value(books.accepted);
  json.key("running").value(books.running);
  json.key("error").value(books.error);
  json.key("stopped").value(books.stopped);
  json.key("unaccounted").value(books.starting);
  json.key("balanced").value(books.balanced());
  json.key("lost").begin_array();
  for (uint64_t n : books.lost) {
    json.begin_object();
    json.key("player").value(player(in, n));
    json.key("sessionId").value(in.accounting->session_id(n));
    json.end_object();
  }
  json.end_array();
  json.key("duplicates").begin_array();
  for (const auto& d : books.duplicates) {
    json.begin_object();
    json.key("sessionId").value(d.session_id);
    json.key("players").begin_array();
    json.value(player(in, d.first_launch)).value(player(in, d.second_launch));
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
  json.end_object();
  buffer.push_back('\n');

  FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) return path + ": " + std::strerror(errno);
  const bool written = std::fwrite(buffer.data(), 1, buffer.size(), file) == buffer.size();
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) return path + ": write failed";
  return {};
}

}  // namespace ringside::storm

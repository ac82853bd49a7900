#include "tools/storm/progress.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace ringside::storm {
namespace {

constexpr size_t kErrorsShown = 3;

std::string top_errors(const RunStats& stats) {
  std::vector<std::pair<uint64_t, const std::string*>> by_count;
  by_count.reserve(stats.errors.size());
  for (const auto& [key, count] : stats.errors) by_count.emplace_back(count, &key);
  std::sort(by_count.begin(), by_count.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (size_t i = 0; i < by_count.size() && i < kErrorsShown; ++i) {
    if (i > 0) text += ", ";
    text += *by_count[i].second + " " + std::to_string(by_count[i].first);
  }
  if (by_count.size() > kErrorsShown) {
    text += ", +" + std::to_string(by_count.size() - kErrorsShown) + " more";
  }
  return text;
}

}  // namespace

void write_progress_line(FILE* out, const ProgressSample& sample, const RunStats& stats) {
  std::string errors = std::to_string(stats.error_total);
  if (stats.error_total > 0) errors += " (" + top_errors(stats) + ")";
  std::string steady;
  if (sample.steady_polls) steady = " poll-queued " + std::to_string(sample.steady_queued);
  std::fprintf(out,
               "[%5.0fs] launched %llu (%.0f/s) accepted %llu starting %llu playing %llu "
               "stopped %llu errors %s | %.0f req/s in-flight %zu queued %zu%s conns %u\n",
               sample.elapsed_s, static_cast<unsigned long long>(stats.launched),
               sample.launch_rate, static_cast<unsigned long long>(stats.accepted),
               static_cast<unsigned long long>(stats.starting),
               static_cast<unsigned long long>(stats.playing),
               static_cast<unsigned long long>(stats.stopped), errors.c_str(), sample.request_rate,
               sample.in_flight, sample.queued, steady.c_str(), sample.open_connections);
  std::fflush(out);
}

}  // namespace ringside::storm

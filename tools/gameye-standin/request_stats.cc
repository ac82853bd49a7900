#include "tools/gameye-standin/request_stats.h"

namespace ringside::gameye_standin {

void RequestStats::count(std::string_view endpoint, uint16_t status) {
  add(endpoint, std::to_string(status));
}

void RequestStats::count_hung(std::string_view endpoint) { add(endpoint, "hung"); }

void RequestStats::count_delayed(std::string_view endpoint) { add(endpoint, "delayed"); }

void RequestStats::count_launch_id(std::string_view id) {
  auto it = launch_ids_.find(id);
  if (it == launch_ids_.end()) it = launch_ids_.try_emplace(std::string(id), 0).first;
  ++it->second;
}

void RequestStats::render_launch_ids(JsonWriter& w) const {
  w.begin_object();
  for (const auto& [id, n] : launch_ids_) w.key(id).value(n);
  w.end_object();
}

void RequestStats::add(std::string_view endpoint, const std::string& outcome) {
  auto it = counts_.find(endpoint);
  if (it == counts_.end()) it = counts_.try_emplace(std::string(endpoint)).first;
  ++it->second[outcome];
}

void RequestStats::render(JsonWriter& w) const {
  w.begin_object();
  for (const auto& [endpoint, outcomes] : counts_) {
    w.key(endpoint).begin_object();
    for (const auto& [outcome, n] : outcomes) w.key(outcome).value(n);
    w.end_object();
  }
  w.end_object();
}

}  // namespace ringside::gameye_standin

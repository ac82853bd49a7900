#include "tools/storm/accounting.h"

#include <algorithm>

namespace ringside::storm {

void LaunchAccounting::reserve(uint64_t launches) {
  launches_.reserve(launches);
  first_launch_of_session_.reserve(launches);
}

bool LaunchAccounting::accepted(uint64_t launch, std::string_view session_id) {
  auto [it, inserted] = launches_.try_emplace(launch);
  if (!inserted) return false;
  it->second.session_id = std::string(session_id);
  if (session_id.empty()) return true;  // a 202 without an id: lost, but nobody's duplicate
  auto [first, fresh] = first_launch_of_session_.try_emplace(it->second.session_id, launch);
  if (!fresh) duplicates_.push_back({it->second.session_id, first->second, launch});
  return true;
}

bool LaunchAccounting::move(uint64_t launch, LaunchState to) {
  auto it = launches_.find(launch);
  if (it == launches_.end()) return false;
  LaunchState& state = it->second.state;
  const bool allowed = state == LaunchState::kStarting ||
                       (state == LaunchState::kRunning && to == LaunchState::kStopped);
  if (!allowed) return false;
  state = to;
  return true;
}

bool LaunchAccounting::running(uint64_t launch) { return move(launch, LaunchState::kRunning); }
bool LaunchAccounting::failed(uint64_t launch) { return move(launch, LaunchState::kError); }
bool LaunchAccounting::stopped(uint64_t launch) { return move(launch, LaunchState::kStopped); }

const LaunchState* LaunchAccounting::state(uint64_t launch) const {
  auto it = launches_.find(launch);
  return it == launches_.end() ? nullptr : &it->second.state;
}

std::string_view LaunchAccounting::session_id(uint64_t launch) const {
  auto it = launches_.find(launch);
  return it == launches_.end() ? std::string_view() : std::string_view(it->second.session_id);
}

LaunchAccounting::Summary LaunchAccounting::summary() const {
  Summary s;
  s.accepted = launches_.size();
  for (const auto& [launch, entry] : launches_) {
    switch (entry.state) {
      case LaunchState::kStarting:
        s.lost.push_back(launch);
        break;
      case LaunchState::kRunning:
        ++s.running;
        break;
      case LaunchState::kError:
        ++s.error;
        break;
      case LaunchState::kStopped:
        ++s.stopped;
        break;
    }
  }
  std::sort(s.lost.begin(), s.lost.end());
  s.starting = s.lost.size();
  s.duplicates = duplicates_;
  return s;
}

}  // namespace ringside::storm

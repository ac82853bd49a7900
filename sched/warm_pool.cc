#include "sched/warm_pool.h"

#include <algorithm>
#include <utility>

namespace ringside {

WarmEntry& WarmPool::add(WarmEntry entry) {
  entries_.push_back(std::move(entry));
  WarmEntry& added = entries_.back();
  if (added.ready()) count_ready(added.game, 1);
  return added;
}

WarmEntry* WarmPool::find(uint64_t id) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [id](const WarmEntry& e) { return e.id == id; });
  return it == entries_.end() ? nullptr : &*it;
}

void WarmPool::erase(uint64_t id) {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [id](const WarmEntry& e) { return e.id == id; });
  if (it == entries_.end()) return;
  if (it->ready()) count_ready(it->game, -1);
  entries_.erase(it);
}

uint32_t WarmPool::held(uint32_t game) const {
  return static_cast<uint32_t>(std::count_if(
      entries_.begin(), entries_.end(), [game](const WarmEntry& e) { return e.game == game; }));
}

uint32_t WarmPool::ready(uint32_t game, uint32_t server) const {
  return static_cast<uint32_t>(
      std::count_if(entries_.begin(), entries_.end(), [game, server](const WarmEntry& e) {
        return e.game == game && e.server == server && e.ready();
      }));
}

uint32_t WarmPool::ready_on(uint32_t server) const {
  return static_cast<uint32_t>(
      std::count_if(entries_.begin(), entries_.end(),
                    [server](const WarmEntry& e) { return e.server == server && e.ready(); }));
}

uint32_t WarmPool::creating_on(uint32_t server) const {
  return static_cast<uint32_t>(
      std::count_if(entries_.begin(), entries_.end(),
                    [server](const WarmEntry& e) { return e.server == server && !e.ready(); }));
}

void WarmPool::set_ready(WarmEntry& entry, uint64_t now_ms) {
  if (entry.ready()) return;
  entry.ready_ms = std::max<uint64_t>(now_ms, 1);
  count_ready(entry.game, 1);
}

WarmGame& WarmPool::game(uint32_t game) {
  if (game >= games_.size()) games_.resize(game + 1);
  return games_[game];
}

void WarmPool::count_ready(uint32_t game, int delta) {
  if (game >= ready_.size()) ready_.resize(game + 1);
  ready_[game] = static_cast<uint32_t>(static_cast<int64_t>(ready_[game]) + delta);
}

}  // namespace ringside

#pragma once
// The warm containers placement keeps (docs/warm-pools.md, "Placement"): per game, containers
// created ahead of demand on its servers, each holding its game's reservation and a slot there
// as a launch does. This is the book of them and of each game's refill state; SessionPlacement
// decides (session_placement_warm.cc). Pools are small (at most Catalog::kMaxWarmPool per
// game), so the book is a flat list searched from end to end, off the hot path but for the
// take, which a game without a pool never reaches.
#include <cstdint>
#include <string>
#include <vector>

#include "model/catalog.h"
#include "sched/scheduler.h"

namespace ringside {

// Whether the catalog gives `game` a pool at all.
inline bool has_warm_pool(const Game& game) {
  return !game.removed && (game.warm_auto ? game.warm_pool_max > 0 : game.warm_pool > 0);
}

struct WarmEntry {
  uint64_t id = 0;  // WarmContainer::warm
  uint32_t game = 0;
  uint32_t server = 0;
  uint32_t image = 0;                 // placement's image id, of the image it was created with
  Reservation reserved;               // held on `server`, given back with Scheduler::release
  uint32_t cpu_limit_millicores = 0;  // the container's limits, a taking launch's
  uint32_t memory_limit_mb = 0;
  uint64_t ready_ms = 0;  // 0 while it is being created
  std::string label_player;

  bool ready() const { return ready_ms != 0; }
};

// Per game: what refill aims at and the launches counted for auto sizing and pre-pull.
struct WarmGame {
  static constexpr uint64_t kWindowMs = 10'000;  // launches are counted in windows of this

  uint32_t target = 0;           // containers wanted now (fixed, or auto's last sizing)
  uint64_t paused_until_ms = 0;  // refill paused after a create that failed
  uint64_t backoff_ms = 0;       // the next pause (0: none yet)
  uint64_t above_since_ms = 0;   // since when it has held more than target (0: it does not)
  uint64_t window_start_ms = 0;
  uint32_t launches = 0;       // in the open window
  uint32_t launches_last = 0;  // in the last full window
};

class WarmPool {
 public:
  // A create that ends gone before ready pauses its game's refill this long, doubling while it
  // repeats up to kMaxBackoffMs; a ready one resets it.
  static constexpr uint64_t kFirstBackoffMs = 5'000;
  static constexpr uint64_t kMaxBackoffMs = 60'000;

  // A new entry being created; returns it (valid until the next add or erase).
  WarmEntry& add(WarmEntry entry);
  WarmEntry* find(uint64_t id);
  void erase(uint64_t id);
  // The next id (never 0).
  uint64_t next_id() { return ++last_id_; }

  const std::vector<WarmEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  // Creating and ready ones of a game; ready ones of a game on a server; ready ones on a server;
  // creating ones on a server.
  uint32_t held(uint32_t game) const;
  uint32_t ready(uint32_t game, uint32_t server) const;
  uint32_t ready_on(uint32_t server) const;
  uint32_t creating_on(uint32_t server) const;
  // Ready ones of `game` anywhere: the take's first look, O(1).
  uint32_t ready(uint32_t game) const { return game < ready_.size() ? ready_[game] : 0; }
  void set_ready(WarmEntry& entry, uint64_t now_ms);

  WarmGame& game(uint32_t game);

 private:
  void count_ready(uint32_t game, int delta);

  std::vector<WarmEntry> entries_;
  std::vector<uint32_t> ready_;  // by game
  std::vector<WarmGame> games_;  // by game, grown on use
  uint64_t last_id_ = 0;
};

}  // namespace ringside

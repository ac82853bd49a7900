// Warm pools (issue 18, docs/warm-pools.md "Placement", "Sizing", "Pre-pull"): containers of a
// game created ahead of demand, taken by its launches, refilled, given way and sized here.
// Nothing of this runs for a game without a pool but one look at its ready count on a launch.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <utility>

#include "core/log.h"
#include "model/partition.h"
#include "sched/session_placement.h"

namespace ringside {

void SessionPlacement::init_warm() {
  refill_timer_.placement = this;
  refill_timer_.on_fire = &SessionPlacement::on_refill_timer;
  warm_tick_.placement = this;
  warm_tick_.on_fire = &SessionPlacement::on_warm_tick;
  warm_rng_.seed(std::random_device{}());
  reload_warm();
}

bool SessionPlacement::take_warm(Launch& launch) {
  const WarmEntry* best = nullptr;
  for (const WarmEntry& e : warm_.entries()) {
    if (e.game != launch.game || !e.ready() || e.image != game_image_[launch.game] ||
        !scheduler_.server(e.server).takes_launches()) {
      continue;
    }
    if (best == nullptr || e.ready_ms < best->ready_ms) best = &e;
  }
  if (best == nullptr) return false;
  const WarmEntry taken = *best;
  warm_.erase(taken.id);
  publish_warm(taken.game, taken.server);
  metrics_.placed.add();
  launch.state = State::kStarting;
  launch.server = taken.server;
  launch.reserved = taken.reserved;
  launch.placed_ms = now_ms_();
  launch.took_warm = true;
  PlacedSession spec = placed_session(launch, taken.server);
  spec.fresh_slot = launch.fresh_slot;
  spec.cpu_millicores = taken.cpu_limit_millicores;
  spec.memory_mb = taken.memory_limit_mb;
  spec.warm = taken.id;
  log_info("warm_taken")
      .kv("game", runtime_.catalog.games()[launch.game].slug)
      .kv("server", scheduler_.server(taken.server).name)
      .kv("warm", taken.id);
  arm_refill();
  backend_->start(std::move(spec));
  return true;
}

void SessionPlacement::drop_warm(uint64_t id, WarmDrop how) {
  const WarmEntry* e = warm_.find(id);
  if (e == nullptr) return;
  const uint32_t game = e->game;
  const uint32_t server = e->server;
  const Reservation reserved = e->reserved;
  warm_.erase(id);
  publish_warm(game, server);
  if (how == WarmDrop::kRetire) backend_->warm_retire(id);
  if (how == WarmDrop::kForget) backend_->forget_warm(id);
  std::vector<Placement> placed;
  scheduler_.release(server, reserved, placed);
  start_placed(placed);
  publish_queue();
  arm_refill();
}

void SessionPlacement::arm_refill() {
  if (!refill_timer_.armed()) timers_.arm(&refill_timer_, now_ms_());
}

void SessionPlacement::on_refill_timer(TimerNode* node) {
  static_cast<WarmTimer*>(node)->placement->refill();
}

void SessionPlacement::refill() {
  if (backend_ == nullptr || !backend_->supports_warm()) return;
  // A queued launch goes first: nothing is made while one waits, and what holds its room goes.
  if (scheduler_.queued() != 0) {
    give_way();
    return;
  }
  if (warm_recovery_ == WarmRecovery::kWaiting) return;  // what outlived a restart comes first
  const std::vector<Game>& games = runtime_.catalog.games();
  const uint64_t now = now_ms_();
  for (uint32_t g = 0; g < games.size() && g < game_image_.size(); ++g) {
    if (!has_warm_pool(games[g])) continue;
    WarmGame& wg = warm_.game(g);
    while (now >= wg.paused_until_ms && warm_.held(g) < wg.target && create_warm(g)) {
    }
  }
}

void SessionPlacement::give_way(bool newest_only) {
  while (scheduler_.queued() != 0) {
    // Creating ones before ready ones (less is lost), other games' before the queued games'
    // own (those may still be taken).
    uint64_t victim = 0;
    int victim_rank = 0;
    for (const WarmEntry& e : warm_.entries()) {
      if (!scheduler_.queued_fits_after_release(e.server, e.reserved, newest_only)) continue;
      const int rank = (e.ready() ? 2 : 0) + (scheduler_.queues_image(e.image) ? 1 : 0);
      if (victim == 0 || rank < victim_rank) {
        victim = e.id;
        victim_rank = rank;
      }
    }
    if (victim == 0) return;
    const WarmEntry& e = *warm_.find(victim);
    log_info("warm_give_way")
        .kv("game", runtime_.catalog.games()[e.game].slug)
        .kv("server", scheduler_.server(e.server).name)
        .kv("warm", victim)
        .kv("ready", e.ready() ? 1 : 0);
    drop_warm(victim, WarmDrop::kRetire);  // its release places what now fits
  }
}

bool SessionPlacement::create_warm(uint32_t game_index) {
  // An engine's create and start take seconds: a burst of them slows every start there.
  std::vector<uint32_t> candidates;
  for (uint32_t s = 0; s < scheduler_.server_count(); ++s) {
    if (warm_.creating_on(s) < kMaxWarmCreatesPerServer) candidates.push_back(s);
  }
  const std::string label_player = warm_label_player();
  if (label_player.empty()) return false;
  const uint64_t id = warm_.next_id();
  const uint32_t image = game_image_[game_index];
  Placement placed{};
  if (!scheduler_.place_now({id, image, profiles_[game_index]}, &placed, &candidates)) {
    return false;
  }
  // Counted as cached from the start of its pull, as a launch's (launches share that pull).
  if (!placed.cached) scheduler_.server(placed.server).add_image(image);
  const Game& game = runtime_.catalog.games()[game_index];
  WarmEntry entry;
  entry.id = id;
  entry.game = game_index;
  entry.server = placed.server;
  entry.image = image;
  entry.reserved = placed.reserved;
  // A launch's ceilings: the taking launch runs under them.
  const Reservation limits = container_limits(game, placed.reserved);
  entry.cpu_limit_millicores = limits.cpu_millicores;
  entry.memory_limit_mb = limits.memory_mb;
  entry.label_player = label_player;
  WarmContainer w;
  w.warm = id;
  w.game_slug = game.slug;
  w.image = game.image;
  w.save_dir = game.save_dir;
  w.server = placed.server;
  w.cpu_millicores = entry.cpu_limit_millicores;
  w.memory_mb = entry.memory_limit_mb;
  w.label_player = label_player;
  warm_.add(std::move(entry));
  log_info("warm_create")
      .kv("game", game.slug)
      .kv("server", scheduler_.server(placed.server).name)
      .kv("warm", id);
  backend_->warm_create(std::move(w));
  return true;
}

std::string SessionPlacement::warm_label_player() {
  // In a cluster its partition must be one this node serves: that node judges it after a
  // restart (Backend::judges), and forgets it with the partition.
  // A node serving 1 of the 1024 partitions needs ~1024 draws; one serving none finds none, and
  // the refill tries again on the next tick.
  constexpr int kTries = 1 << 13;
  char text[32];
  for (int i = 0; i < kTries; ++i) {
    std::snprintf(text, sizeof text, "warm-%016llx",
                  static_cast<unsigned long long>(warm_rng_()));  // NOLINT(runtime/int)
    if (!serves_ || serves_(partition_of_player(text))) return text;
  }
  return {};
}

void SessionPlacement::on_warm_ready(uint64_t warm) {
  WarmEntry* e = warm_.find(warm);
  if (e == nullptr) return;
  warm_.set_ready(*e, now_ms_());
  WarmGame& wg = warm_.game(e->game);
  wg.backoff_ms = 0;
  wg.paused_until_ms = 0;
  publish_warm(e->game, e->server);
  arm_refill();  // a launch queued meanwhile may want its room
}

void SessionPlacement::on_warm_gone(uint64_t warm) {
  const WarmEntry* e = warm_.find(warm);
  if (e == nullptr) return;
  WarmGame& wg = warm_.game(e->game);
  if (!e->ready()) {
    // Its pull may have failed: the image bit set when it was placed is the backend's again.
    sync_image(e->server, e->image);
    // It could not be made: making it again at once would likely fail again.
    wg.backoff_ms = wg.backoff_ms == 0 ? WarmPool::kFirstBackoffMs
                                       : std::min(wg.backoff_ms * 2, WarmPool::kMaxBackoffMs);
    wg.paused_until_ms = now_ms_() + wg.backoff_ms;
  }
  log_warn("warm_gone")
      .kv("game", runtime_.catalog.games()[e->game].slug)
      .kv("server", scheduler_.server(e->server).name)
      .kv("warm", warm)
      .kv("ready", e->ready() ? 1 : 0)
      .kv("refill_paused_ms", e->ready() ? 0 : wg.backoff_ms);
  drop_warm(warm, WarmDrop::kGone);
}

uint64_t SessionPlacement::on_warm_found(uint32_t server, std::string_view game_slug,
                                         std::string_view image, uint32_t cpu_millicores,
                                         uint32_t memory_mb, std::string_view label_player) {
  const int g = runtime_.catalog.find(game_slug);
  const bool adopt = g >= 0 && server < scheduler_.server_count() &&
                     static_cast<size_t>(g) < game_image_.size() && backend_->supports_warm() &&
                     has_warm_pool(runtime_.catalog.games()[g]) &&
                     runtime_.catalog.games()[g].image == image;
  log_info("warm_found")
      .kv("game", game_slug)
      .kv("server", server < scheduler_.server_count()
                        ? std::string_view(scheduler_.server(server).name)
                        : std::string_view("unknown"))
      .kv("adopted", adopt ? 1 : 0);
  if (!adopt) return 0;
  const auto game = static_cast<uint32_t>(g);
  const uint64_t id = warm_.next_id();
  // There: reserved whether or not it fits, as an adopted session is. A surplus shrinks.
  const Placement placed = scheduler_.adopt(id, game_image_[game], profiles_[game], server);
  WarmEntry entry;
  entry.id = id;
  entry.game = game;
  entry.server = server;
  entry.image = game_image_[game];
  entry.reserved = placed.reserved;
  entry.cpu_limit_millicores = cpu_millicores;
  entry.memory_limit_mb = memory_mb;
  // Its partition's: in a cluster it is forgotten when that partition moves
  // (forget_warm_partition), not held here while the new owner adopts it too.
  entry.label_player = std::string(label_player);
  entry.ready_ms = std::max<uint64_t>(now_ms_(), 1);
  warm_.add(std::move(entry));
  publish_warm(game, server);
  arm_refill();
  return id;
}

void SessionPlacement::on_warm_recovered() {
  if (warm_recovery_ != WarmRecovery::kWaiting) return;
  warm_recovery_ = WarmRecovery::kDone;
  log_info("warm_fill_start")
      .kv("found", warm_.entries().size())
      .kv("waited_ms", now_ms_() - warm_recovery_since_ms_);
  arm_refill();
}

void SessionPlacement::on_prefetched(uint32_t server, std::string_view image, bool ok) {
  if (server >= scheduler_.server_count()) return;
  log_info("image_prefetched")
      .kv("server", scheduler_.server(server).name)
      .kv("image", image)
      .kv("ok", ok ? 1 : 0);
  if (ok) return;
  for (uint32_t id = 0; id < images_.size(); ++id) {
    if (images_[id] == image) sync_image(server, id);  // the bit set when it was asked
  }
}

void SessionPlacement::on_warm_tick(TimerNode* node) {
  static_cast<WarmTimer*>(node)->placement->warm_tick();
}

void SessionPlacement::warm_tick() {
  const uint64_t now = now_ms_();
  const std::vector<Game>& games = runtime_.catalog.games();
  for (uint32_t g = 0; g < games.size() && g < game_image_.size(); ++g) {
    WarmGame& wg = warm_.game(g);
    if (wg.window_start_ms == 0) wg.window_start_ms = now;  // its first tick opens one
    if (now - wg.window_start_ms >= WarmGame::kWindowMs) {
      // A window with no tick in it (none for 20 s) saw no launch counted as its own.
      wg.launches_last = now - wg.window_start_ms < 2 * WarmGame::kWindowMs ? wg.launches : 0;
      wg.launches = 0;
      wg.window_start_ms = now;
    }
    prefetch_rising(g);  // every game: a pull ahead of demand helps a cold start too
    if (!has_warm_pool(games[g])) continue;
    size_warm(g);
    if (warm_recovery_ != WarmRecovery::kWaiting) shrink_warm(g, now);
  }
  if (warm_games_ != 0) arm_refill();
  timers_.arm(&warm_tick_, now + kWarmTickMs);
}

void SessionPlacement::size_warm(uint32_t game_index) {
  const Game& game = runtime_.catalog.games()[game_index];
  WarmGame& wg = warm_.game(game_index);
  if (!game.warm_auto) {
    wg.target = game.warm_pool;
    return;
  }
  // Little's law: the launches that arrive during one cold start are what the pool must hold
  // for none of them to wait for a create.
  const double rate = static_cast<double>(wg.launches_last) * 1000.0 / WarmGame::kWindowMs;
  const double start_s = std::max(start_ms_, 0.0) / 1000.0;
  const double wanted = std::ceil(rate * start_s) + game.warm_pool_min;
  const auto target =
      static_cast<uint32_t>(std::clamp<double>(wanted, game.warm_pool_min, game.warm_pool_max));
  if (target == wg.target) return;
  log_info("warm_target")
      .kv("game", game.slug)
      .kv("target", target)
      .kv("from", wg.target)
      .kv("launches_per_s", rate)
      .kv("start_ms", start_ms_);
  wg.target = target;
}

void SessionPlacement::shrink_warm(uint32_t game_index, uint64_t now) {
  const Game& game = runtime_.catalog.games()[game_index];
  WarmGame& wg = warm_.game(game_index);
  if (warm_.held(game_index) <= wg.target) {
    wg.above_since_ms = 0;
    return;
  }
  if (wg.above_since_ms == 0) wg.above_since_ms = now;
  // Auto: a dip of demand is not worth retiring what a burst may take a moment later.
  if (game.warm_auto && now - wg.above_since_ms < kWarmShrinkAfterMs) return;
  uint64_t victim = 0;
  uint64_t newest = 0;
  for (const WarmEntry& e : warm_.entries()) {
    if (e.game == game_index && e.ready() && e.ready_ms >= newest) {
      victim = e.id;
      newest = e.ready_ms;
    }
  }
  if (victim == 0) return;
  log_info("warm_shrink")
      .kv("game", game.slug)
      .kv("target", wg.target)
      .kv("held", warm_.held(game_index))
      .kv("warm", victim);
  drop_warm(victim, WarmDrop::kRetire);  // one per tick
}

void SessionPlacement::prefetch_rising(uint32_t game_index) {
  WarmGame& wg = warm_.game(game_index);
  if (wg.launches < 2 || wg.launches <= wg.launches_last) return;
  const uint32_t image = game_image_[game_index];
  const Reservation demand = reservation_for(profiles_[game_index]);
  uint32_t asked = 0;
  for (uint32_t s = 0; s < scheduler_.server_count() && asked < kPrefetchServersPerTick; ++s) {
    ServerState& server = scheduler_.server(s);
    if (!server.takes_launches() || server.has_image(image) || !server.fits(demand)) continue;
    // Counted from now, as a launch's pull: the next launches go there and share it.
    server.add_image(image);
    ++asked;
    log_info("image_prefetch")
        .kv("game", runtime_.catalog.games()[game_index].slug)
        .kv("server", server.name)
        .kv("launches", wg.launches)
        .kv("launches_last", wg.launches_last);
    backend_->prefetch(s, images_[image]);
  }
}

void SessionPlacement::reload_warm() {
  const std::vector<Game>& games = runtime_.catalog.games();
  warm_games_ = static_cast<uint32_t>(std::count_if(games.begin(), games.end(), has_warm_pool));
  std::vector<uint64_t> stale;
  for (const WarmEntry& e : warm_.entries()) {
    if (e.game >= games.size() || !has_warm_pool(games[e.game]) || e.image != game_image_[e.game]) {
      stale.push_back(e.id);
    }
  }
  for (const uint64_t id : stale) drop_warm(id, WarmDrop::kRetire);
  for (uint32_t g = 0; g < games.size() && g < game_image_.size(); ++g) {
    if (has_warm_pool(games[g])) size_warm(g);
  }
  if (!warm_tick_.armed()) timers_.arm(&warm_tick_, now_ms_() + kWarmTickMs);
  if (warm_games_ != 0) arm_refill();
}

void SessionPlacement::retire_warm_on(uint32_t server, WarmDrop how) {
  std::vector<uint64_t> there;
  for (const WarmEntry& e : warm_.entries()) {
    if (e.server == server) there.push_back(e.id);
  }
  for (const uint64_t id : there) drop_warm(id, how);
}

void SessionPlacement::forget_warm_partition(uint16_t partition) {
  std::vector<uint64_t> gone;
  for (const WarmEntry& e : warm_.entries()) {
    if (!e.label_player.empty() && partition_of_player(e.label_player) == partition) {
      gone.push_back(e.id);
    }
  }
  for (const uint64_t id : gone) drop_warm(id, WarmDrop::kForget);
}

void SessionPlacement::publish_warm(uint32_t game, uint32_t server) {
  if (game >= Catalog::kMaxGames || server >= scheduler_.server_count()) return;
  metrics_.warm_ready(game, server).set(warm_.ready(game, server));
}

}  // namespace ringside

#include "sched/scheduler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

namespace ringside {
namespace {

uint32_t round_up(double amount) {
  if (!(amount > 0)) return 0;  // also NaN
  constexpr double kMax = std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(std::min(std::ceil(amount), kMax));
}

// Free fraction of a capacity once `used` of it is taken; an absent capacity never limits.
double free_fraction(uint64_t capacity, uint64_t used) {
  if (capacity == 0) return 1.0;
  return static_cast<double>(capacity - used) / static_cast<double>(capacity);
}

// What is taken of a server's CPU and memory: its own reservations and foreign use.
uint64_t cpu_taken(const ServerState& s) {
  return uint64_t{s.cpu_reserved_millicores} + s.foreign.cpu_millicores;
}
uint64_t memory_taken(const ServerState& s) {
  return uint64_t{s.memory_reserved_mb} + s.foreign.memory_mb;
}

// The spreading score: the server's tightest resource after the placement.
double room_after(const ServerState& s, Reservation demand) {
  return std::min({free_fraction(s.cpu_capacity_millicores, cpu_taken(s) + demand.cpu_millicores),
                   free_fraction(s.memory_capacity_mb, memory_taken(s) + demand.memory_mb),
                   free_fraction(s.slot_capacity, s.slots_taken() + 1)});
}

void count_pass(uint32_t& bypassed) {
  if (bypassed < std::numeric_limits<uint32_t>::max()) ++bypassed;
}

// How much of `wanted` is left in `kept` (1: all of it).
double kept_fraction(uint32_t kept, uint32_t wanted) {
  return wanted == 0 ? 1.0 : static_cast<double>(kept) / static_cast<double>(wanted);
}

uint32_t give_back(uint32_t reserved, uint32_t amount) {
  assert(amount <= reserved && "released more than was reserved");
  return reserved - std::min(reserved, amount);
}

}  // namespace

Reservation reservation_for(const ResourceProfile& profile) {
  return {round_up(profile.cpu_cores * 1000), round_up(profile.memory_mb)};
}

Reservation container_limits(const Game& game, Reservation reserved) {
  return {std::max(reserved.cpu_millicores, round_up(game.cpu_cores * 1000)),
          std::max(reserved.memory_mb, game.memory_mb)};
}

bool ServerState::fits(Reservation demand) const {
  return cpu_taken(*this) + demand.cpu_millicores <= cpu_capacity_millicores &&
         memory_taken(*this) + demand.memory_mb <= memory_capacity_mb &&
         slots_taken() < slot_capacity;
}

bool ServerState::could_hold(Reservation demand) const {
  return demand.cpu_millicores <= cpu_capacity_millicores &&
         demand.memory_mb <= memory_capacity_mb && slot_capacity > 0;
}

bool ServerState::has_image(uint32_t image_id) const {
  const size_t word = image_id / 64;
  return word < image_bits_.size() && ((image_bits_[word] >> (image_id % 64)) & 1) != 0;
}

void ServerState::add_image(uint32_t image_id) {
  const size_t word = image_id / 64;
  if (word >= image_bits_.size()) image_bits_.resize(word + 1);
  image_bits_[word] |= uint64_t{1} << (image_id % 64);
}

void ServerState::remove_image(uint32_t image_id) {
  const size_t word = image_id / 64;
  if (word < image_bits_.size()) image_bits_[word] &= ~(uint64_t{1} << (image_id % 64));
}

Scheduler::Scheduler(size_t queue_capacity, uint32_t max_bypass)
    : queue_capacity_(queue_capacity), max_bypass_(max_bypass) {}

uint32_t Scheduler::add_server(ServerState server) {
  const auto index = static_cast<uint32_t>(servers_.size());
  servers_.push_back(std::move(server));
  all_servers_.push_back(index);
  return index;
}

void Scheduler::set_server_up(uint32_t index, bool up) { servers_.at(index).up = up; }

void Scheduler::set_server_refusing(uint32_t index, bool refusing) {
  servers_.at(index).refusing = refusing;
}

void Scheduler::set_server_cordoned(uint32_t index, bool cordoned) {
  servers_.at(index).cordoned = cordoned;
}

void Scheduler::set_capacity(uint32_t index, uint32_t cpu_millicores, uint32_t memory_mb) {
  ServerState& s = servers_.at(index);
  s.cpu_capacity_millicores = cpu_millicores;
  s.memory_capacity_mb = memory_mb;
  for (Waiting& w : queue_) fit(w.demand);
}

bool Scheduler::set_foreign(uint32_t index, ForeignUse use) {
  ForeignUse& held = servers_.at(index).foreign;
  const bool dropped = use.slots < held.slots || use.cpu_millicores < held.cpu_millicores ||
                       use.memory_mb < held.memory_mb;
  held = use;
  return dropped;
}

Reservation Scheduler::largest_capacity() const {
  Reservation most;
  for (const ServerState& s : servers_) {
    if (s.slot_capacity == 0) continue;
    most.cpu_millicores = std::max(most.cpu_millicores, s.cpu_capacity_millicores);
    most.memory_mb = std::max(most.memory_mb, s.memory_capacity_mb);
  }
  return most;
}

bool Scheduler::fit(Reservation& demand) const {
  Reservation best;
  double best_kept = -1;
  for (const ServerState& s : servers_) {
    if (s.slot_capacity == 0) continue;
    if (s.could_hold(demand)) return true;
    const Reservation cut{std::min(demand.cpu_millicores, s.cpu_capacity_millicores),
                          std::min(demand.memory_mb, s.memory_capacity_mb)};
    const double kept = std::min(kept_fraction(cut.cpu_millicores, demand.cpu_millicores),
                                 kept_fraction(cut.memory_mb, demand.memory_mb));
    if (kept > best_kept) {
      best = cut;
      best_kept = kept;
    }
  }
  if (best_kept < 0) return false;
  demand = best;
  return true;
}

uint32_t Scheduler::choose(const std::vector<uint32_t>& candidates, uint32_t image_id,
                           Reservation demand) const {
  uint32_t best = kNone;
  bool best_cached = false;
  double best_room = -1;
  for (const uint32_t i : candidates) {
    const ServerState& s = servers_[i];
    if (!s.takes_launches() || !s.fits(demand)) continue;
    const bool cached = s.has_image(image_id);
    if (best != kNone && best_cached && !cached) continue;
    const double room = room_after(s, demand);
    // Strictly better only, so that ties keep the lowest index.
    if (best == kNone || (cached && !best_cached) || room > best_room) {
      best = i;
      best_cached = cached;
      best_room = room;
    }
  }
  return best;
}

Scheduler::Outcome Scheduler::submit(const PlacementRequest& request, Placement* placed,
                                     uint32_t* ticket) {
  Reservation demand = reservation_for(request.profile);
  if (!fit(demand)) return Outcome::kRejected;

  // Only a request passed max_bypass times may hold the queue: with none, no scan.
  const bool held =
      overdue_ > 0 && std::any_of(queue_.begin(), queue_.end(),
                                  [this](const Waiting& w) { return holds_queue(w); });
  if (!held) {
    const uint32_t index = choose(all_servers_, request.image_id, demand);
    if (index != kNone) {
      *placed = place(request.request_id, request.image_id, demand, index);
      for (Waiting& w : queue_) {  // all queued fit nowhere: all passed
        const bool was_overdue = overdue(w);
        count_pass(w.bypassed);
        if (!was_overdue && overdue(w)) ++overdue_;
      }
      return Outcome::kPlaced;
    }
  }
  if (queue_.size() >= queue_capacity_) return Outcome::kRejected;
  queue_.push_back({request.request_id, request.image_id, demand, 0, next_ticket_, false});
  if (overdue(queue_.back())) ++overdue_;  // max_bypass 0
  if (ticket) *ticket = next_ticket_;
  if (++next_ticket_ == 0) next_ticket_ = 1;
  return Outcome::kQueued;
}

bool Scheduler::place_now(const PlacementRequest& request, Placement* placed,
                          const std::vector<uint32_t>* candidates) {
  Reservation demand = reservation_for(request.profile);
  if (!fit(demand)) return false;
  const uint32_t index =
      choose(candidates != nullptr ? *candidates : all_servers_, request.image_id, demand);
  if (index == kNone) return false;
  *placed = place(request.request_id, request.image_id, demand, index);
  return true;
}

bool Scheduler::queued_fits_after_release(uint32_t server, Reservation freed,
                                          bool newest_only) const {
  const ServerState& s = servers_.at(server);
  if (!s.takes_launches() || queue_.empty()) return false;
  // What is taken there once `freed` is given back (the release's figures, foreign use kept).
  const uint64_t cpu = cpu_taken(s) - std::min<uint64_t>(freed.cpu_millicores, cpu_taken(s));
  const uint64_t memory = memory_taken(s) - std::min<uint64_t>(freed.memory_mb, memory_taken(s));
  const uint64_t slots = s.slots_taken() - std::min<uint64_t>(1, s.slots_taken());
  const auto fits = [&](const Waiting& w) {
    return cpu + w.demand.cpu_millicores <= s.cpu_capacity_millicores &&
           memory + w.demand.memory_mb <= s.memory_capacity_mb && slots < s.slot_capacity;
  };
  if (newest_only) return fits(queue_.back());
  return std::any_of(queue_.begin(), queue_.end(), fits);
}

bool Scheduler::queues_image(uint32_t image_id) const {
  return std::any_of(queue_.begin(), queue_.end(),
                     [image_id](const Waiting& w) { return w.image_id == image_id; });
}

bool Scheduler::cancel(uint64_t request_id) {
  const auto it = std::find_if(queue_.begin(), queue_.end(), [request_id](const Waiting& w) {
    return w.request_id == request_id;
  });
  if (it == queue_.end()) return false;
  if (overdue(*it)) --overdue_;
  queue_.erase(it);
  return true;
}

void Scheduler::release(uint32_t server, Reservation reserved, std::vector<Placement>& placed) {
  ServerState& s = servers_.at(server);
  s.cpu_reserved_millicores = give_back(s.cpu_reserved_millicores, reserved.cpu_millicores);
  s.memory_reserved_mb = give_back(s.memory_reserved_mb, reserved.memory_mb);
  s.slots_used = give_back(s.slots_used, 1);
  drain_queue(placed);
}

void Scheduler::drain_queue(std::vector<Placement>& placed) {
  // One pass, oldest first, that stops as soon as nothing behind can be placed: where the
  // queue is held, or when no server has a slot left. What lies beyond is not touched, so a
  // release costs the walked part — the placed requests and those kept between them — not
  // the whole queue. Placed requests are marked, then removed by compact_walked().
  if (queue_.empty()) return;
  size_t open = collect_open_servers();  // of those, the servers with a slot still free
  uint64_t placements = 0;
  // Among the requests kept so far that could hold the queue, the most any was passed before
  // this pass, less the placements made before it was reached: each placement passes every
  // one of them once, so one holds the queue once this plus `placements` is max_bypass.
  int64_t most_passed = std::numeric_limits<int64_t>::min() / 2;
  // The last demand that fit nowhere: room only shrinks during a pass, so a demand at least
  // as large in both figures fits nowhere either (a long queue of one game costs no choose()).
  Reservation failed{};
  bool any_failed = false;
  size_t walked = 0;
  while (walked < queue_.size() && open > 0) {
    Waiting& w = queue_[walked++];
    const bool hopeless = any_failed && w.demand.cpu_millicores >= failed.cpu_millicores &&
                          w.demand.memory_mb >= failed.memory_mb;
    const uint32_t index = hopeless ? kNone : choose(open_servers_, w.image_id, w.demand);
    if (index != kNone) {
      placed.push_back(place(w.request_id, w.image_id, w.demand, index));
      w.placed = true;
      if (servers_[index].slots_taken() >= servers_[index].slot_capacity) --open;
      ++placements;
      if (most_passed + static_cast<int64_t>(placements) >= int64_t{max_bypass_}) break;
      continue;
    }
    if (!hopeless) {
      failed = w.demand;
      any_failed = true;
    }
    if (holds_queue(w)) break;
    const int64_t passed = int64_t{w.bypassed} - static_cast<int64_t>(placements);
    if (passed > most_passed && any_up_server_could_hold(w.demand)) most_passed = passed;
  }
  if (placements > 0) compact_walked(walked);
}

void Scheduler::compact_walked(size_t walked) {
  // Backwards, so that each kept request learns how many placements behind it passed it, and
  // the kept ones end up at the back of the walked part, next to the untouched rest.
  size_t write = walked;
  uint64_t passes = 0;
  for (size_t read = walked; read-- > 0;) {
    Waiting& w = queue_[read];
    const bool was_overdue = overdue(w);
    if (w.placed) {
      if (was_overdue) --overdue_;
      ++passes;
      continue;
    }
    w.bypassed = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t{w.bypassed} + passes, std::numeric_limits<uint32_t>::max()));
    if (!was_overdue && overdue(w)) ++overdue_;
    if (--write != read) queue_[write] = w;
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(write));
}

size_t Scheduler::collect_open_servers() {
  open_servers_.clear();
  for (uint32_t i = 0; i < servers_.size(); ++i) {
    const ServerState& s = servers_[i];
    if (s.takes_launches() && s.slots_taken() < s.slot_capacity) open_servers_.push_back(i);
  }
  return open_servers_.size();
}

Placement Scheduler::adopt(uint64_t request_id, uint32_t image_id, const ResourceProfile& profile,
                           uint32_t server) {
  Reservation demand = reservation_for(profile);
  fit(demand);
  return place(request_id, image_id, demand, server);
}

Placement Scheduler::place(uint64_t request_id, uint32_t image_id, Reservation demand,
                           uint32_t index) {
  ServerState& s = servers_[index];
  s.cpu_reserved_millicores += demand.cpu_millicores;
  s.memory_reserved_mb += demand.memory_mb;
  ++s.slots_used;
  return {request_id, index, s.has_image(image_id), demand};
}

bool Scheduler::any_up_server_could_hold(Reservation demand) const {
  return std::any_of(servers_.begin(), servers_.end(), [&](const ServerState& s) {
    return s.up && !s.cordoned && s.could_hold(demand);
  });
}

bool Scheduler::holds_queue(const Waiting& waiting) const {
  return overdue(waiting) && any_up_server_could_hold(waiting.demand);
}

}  // namespace ringside

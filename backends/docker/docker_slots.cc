// What runs on each engine, as this node sees it: the slot names taken, and the foreign use
// (what runs there that this node did not place: other nodes' sessions, orphans).
//
// The engine is the arbiter of slots: a container's name is its slot, and the engine refuses a
// second container of a name in use (409), atomically, for every node sharing it. This table
// is only the belief that picks the name to try: a name believed taken that is free costs
// nothing but a lower ceiling until the next listing; a name believed free that is taken costs
// one 409, and then the next name is tried. A name is taken by an own session's container (from
// its create until its removal is answered), by a container seen in a listing or a create/start
// event (until its destroy event, or a listing asked for later that does not show it), and by
// whatever a 409 said holds it (until a listing asked for later). CPU and memory are counted
// (the limits each container's labels carry), not arbitrated: placement keeps them in bounds.
//
// A container this node is removing after placement let go of it (a warm one retired to give
// way, or dropped) is neither foreign nor room lost: placement counts its room free from the
// retire on, and a create that finds only such names waits for the removal (kWaitRoom) rather
// than answer no_room. Other nodes' containers stay foreign until they are gone.
#include <algorithm>
#include <utility>
#include <vector>

#include "backends/docker/docker_backend.h"
#include "core/log.h"

namespace ringside {
namespace {

uint32_t add_capped(uint32_t a, uint32_t b) {
  return static_cast<uint32_t>(std::min<uint64_t>(uint64_t{a} + b, UINT32_MAX));
}

void add_use(ForeignUse& use, const docker_api::ContainerLabels& c) {
  use.slots = add_capped(use.slots, 1);
  use.cpu_millicores = add_capped(use.cpu_millicores, c.cpu_millicores);
  use.memory_mb = add_capped(use.memory_mb, c.memory_mb);
}

}  // namespace

void DockerBackend::note_container(Engine& e, const std::string& id,
                                   const docker_api::ContainerLabels& c) {
  if (c.slot != docker_api::kNoSlot) e.held_names.erase(c.slot);  // the holder is known now
  Seen& seen = e.containers[id];
  seen.labels = c;
  seen.noted = listings_sent_;
  foreign_may_change();
}

void DockerBackend::container_gone(Engine& e, const std::string& id, uint32_t slot) {
  e.containers.erase(id);
  e.removing.erase(id);
  took_.erase(id);
  // A listing on its way may still show it.
  if (e.listing != 0) e.gone.insert_or_assign(id, listings_sent_);
  if (slot != docker_api::kNoSlot) e.held_names.erase(slot);
  foreign_may_change();
  room_may_change();
}

void DockerBackend::note_listing(Engine& e, uint64_t serial,
                                 const std::vector<docker_api::ListedContainer>& listed) {
  std::unordered_map<std::string, Seen> now;
  for (const docker_api::ListedContainer& c : listed) {
    const auto gone = e.gone.find(c.id);
    if (gone != e.gone.end() && gone->second >= serial) continue;  // destroyed since it was asked
    now[c.id] = Seen{c.labels, serial};
  }
  // Seen since the listing was asked for, maybe too late for it: kept.
  for (auto& [id, seen] : e.containers) {
    if (seen.noted >= serial) now.try_emplace(id, std::move(seen));
  }
  e.containers = std::move(now);
  std::erase_if(e.held_names, [&](const auto& held) {
    const uint32_t slot = held.first;
    return held.second.noted < serial ||
           std::any_of(e.containers.begin(), e.containers.end(),
                       [&](const auto& c) { return c.second.labels.slot == slot; });
  });
  // A later listing is asked for after these were destroyed: it cannot show them.
  std::erase_if(e.gone, [&](const auto& g) { return g.second < serial; });
  foreign_may_change();
  room_may_change();
}

void DockerBackend::hold_name(Engine& e, uint32_t slot, uint32_t cpu_millicores,
                              uint32_t memory_mb) {
  if (slot == docker_api::kNoSlot) return;
  Seen& held = e.held_names[slot];
  held.labels.slot = slot;
  held.labels.cpu_millicores = cpu_millicores;
  held.labels.memory_mb = memory_mb;
  held.noted = listings_sent_;
  foreign_may_change();
}

std::optional<uint32_t> DockerBackend::free_slot(const Engine& e, bool after_removals) {
  const uint32_t slots = servers_[e.index].slots;
  if (slots == 0) return std::nullopt;
  std::vector<bool> taken(slots);
  const auto take = [&](uint32_t slot) {
    if (slot < slots) taken[slot] = true;  // also kNoSlot, and names past a smaller fleet
  };
  for (const auto& [id, s] : sessions_) {
    if (s->engine == e.index) take(s->engine_slot);
  }
  for (const auto& [id, seen] : e.containers) {
    if (!after_removals || !e.removing.contains(id)) take(seen.labels.slot);
  }
  for (const auto& [slot, held] : e.held_names) take(slot);
  const uint32_t first = static_cast<uint32_t>(slot_random_() % slots);
  for (uint32_t i = 0; i < slots; ++i) {
    const uint32_t slot = (first + i) % slots;
    if (!taken[slot]) return slot;
  }
  return std::nullopt;
}

void DockerBackend::leave_on_engine(Session& s) {
  if (s.engine >= engines_.size()) return;
  Engine& e = *engines_[s.engine];
  if (!s.container.empty()) {
    // Its removal never answered (or was never asked for): it may run on, no longer ours.
    if (!e.containers.contains(s.container)) {
      docker_api::ContainerLabels c;
      c.session = s.id_text;
      c.player = s.player;
      c.slot = s.engine_slot;
      c.cpu_millicores = s.limit_cpu_millicores;
      c.memory_mb = s.limit_memory_mb;
      note_container(e, s.container, c);
    }
  } else if (s.step == Step::kCreate && s.request != 0) {
    // Its create is abandoned in flight: the engine may still make the container.
    hold_name(e, s.engine_slot, s.limit_cpu_millicores, s.limit_memory_mb);
  }
  foreign_may_change();
}

ForeignUse DockerBackend::foreign_use(const Engine& e) const {
  ForeignUse use;
  for (const auto& [id, seen] : e.containers) {
    if (!owned(id, seen.labels) && !creating_warm(e, seen.labels) && !e.removing.contains(id)) {
      add_use(use, seen.labels);
    }
  }
  for (const auto& [slot, held] : e.held_names) add_use(use, held.labels);
  return use;
}

void DockerBackend::foreign_may_change() {
  if (!foreign_timer_.armed()) timers_.arm(&foreign_timer_, reactor_.now_ms());
}

void DockerBackend::report_foreign(Engine& e) {
  const ForeignUse use = foreign_use(e);
  if (use == e.foreign) return;
  e.foreign = use;
  log_info("docker_foreign_use")
      .kv("server", servers_[e.index].name)
      .kv("slots", use.slots)
      .kv("cpu_millicores", use.cpu_millicores)
      .kv("memory_mb", use.memory_mb);
  events_.on_server_foreign(e.index, use);
}

void DockerBackend::on_foreign_timer(TimerNode* node) {
  DockerBackend& b = *static_cast<BackendTimer*>(node)->backend;
  for (const std::unique_ptr<Engine>& e : b.engines_) b.report_foreign(*e);
}

void DockerBackend::room_may_change() {
  if (!room_timer_.armed()) timers_.arm(&room_timer_, reactor_.now_ms());
}

void DockerBackend::on_room_timer(TimerNode* node) {
  DockerBackend& b = *static_cast<BackendTimer*>(node)->backend;
  // By id, looked up again: a create that finds no room after all reports it (a warm one at
  // once, to placement), which may start or drop others meanwhile.
  std::vector<Id128> sessions;
  for (const auto& [id, s] : b.sessions_) {
    if (s->step == Step::kWaitRoom) sessions.push_back(id);
  }
  std::vector<uint64_t> warm;
  for (const auto& [id, w] : b.warm_) {
    if (w->step == WarmStep::kWaitRoom) warm.push_back(id);
  }
  for (const Id128& id : sessions) {
    Session* s = b.find(id);
    if (s != nullptr && s->step == Step::kWaitRoom) b.send_create(*s);
  }
  for (const uint64_t id : warm) {
    Warm* w = b.find_warm(id);
    if (w != nullptr && w->step == WarmStep::kWaitRoom) b.warm_create_container(*w);
  }
}

}  // namespace ringside

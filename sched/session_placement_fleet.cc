// The operator's side of placement (issue 17): cordon, uncordon and drain a game server, its
// item of GET /operator/servers, and a reloaded catalog taken in.
#include <cmath>

#include "core/log.h"
#include "sched/session_placement.h"

namespace ringside {

void SessionPlacement::set_cordoned(uint32_t server, bool cordoned) {
  if (server >= scheduler_.server_count()) return;
  log_info("game_server_cordon")
      .kv("node", runtime_.config.node_id)
      .kv("server", scheduler_.server(server).name)
      .kv("cordoned", cordoned ? 1 : 0);
  scheduler_.set_server_cordoned(server, cordoned);
  metrics_.server_cordoned[server].set(cordoned ? 1 : 0);
  if (cordoned) {
    retire_warm_on(server, WarmDrop::kRetire);  // nothing is taken there any more
    return;
  }
  cancel_drain(server);
  if (warm_games_ != 0) arm_refill();
  std::vector<Placement> placed;
  scheduler_.drain_queue(placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::drain(uint32_t server, uint64_t grace_ms) {
  drain_at(server, now_ms_() + grace_ms);
}

void SessionPlacement::drain_at(uint32_t server, uint64_t deadline_ms) {
  if (server >= scheduler_.server_count()) return;
  if (!scheduler_.server(server).cordoned) set_cordoned(server, true);
  const uint64_t now = now_ms_();
  log_info("game_server_drain")
      .kv("node", runtime_.config.node_id)
      .kv("server", scheduler_.server(server).name)
      .kv("grace_ms", deadline_ms > now ? deadline_ms - now : 0);
  DrainTimer& d = drains_[server];
  d.fired = false;
  d.due = false;
  if (deadline_ms <= now) {
    timers_.cancel(&d);
    d.fired = true;
    stop_sessions_on(server, EndReason::kServerDrained);
    return;
  }
  timers_.arm(&d, deadline_ms);
}

void SessionPlacement::cancel_drain(uint32_t server) {
  if (server >= drains_.size()) return;
  timers_.cancel(&drains_[server]);
  drains_[server].fired = false;
  drains_[server].due = false;
}

void SessionPlacement::on_drain_timer(TimerNode* node) {
  auto& d = *static_cast<DrainTimer*>(node);
  if (d.placement->confirm_drain_) {
    d.due = true;
    d.placement->confirm_drain_(d.server);
    return;
  }
  d.fired = true;
  d.placement->stop_sessions_on(d.server, EndReason::kServerDrained);
}

void SessionPlacement::stop_on_drained() {
  for (uint32_t s = 0; s < drains_.size(); ++s) {
    if (drains_[s].fired) stop_sessions_on(s, EndReason::kServerDrained, false);
  }
}

size_t SessionPlacement::stop_sessions_on(uint32_t server, EndReason reason, bool always_log) {
  size_t stopping = 0;
  launches_.for_each([&](uint32_t, Launch& l) {
    if (l.server != server || (l.state != State::kStarting && l.state != State::kRunning) ||
        l.stop_after_recovery) {
      return;
    }
    // Through the owner shard, which records the reason and sends StopSession back as for a
    // player's stop: save kept, figures reported, stop answered to anyone who asks. A shard
    // asked twice (a recovery's stop_on_drained before the first one's StopSession came back)
    // does nothing the second time.
    mailbox_.send(l.owner_shard, StopForReason{l.session, reason});
    ++stopping;
  });
  if (always_log || stopping > 0) {
    log_info("game_server_drained")
        .kv("node", runtime_.config.node_id)
        .kv("server", scheduler_.server(server).name)
        .kv("sessions", stopping);
  }
  return stopping;
}

void SessionPlacement::write_server_json(JsonWriter& w, uint32_t server) const {
  const ServerState& s = scheduler_.server(server);
  w.begin_object();
  w.key("name").value(s.name);
  w.key("backend").value(runtime_.config.backend);
  w.key("healthy").value(s.up);
  w.key("cordoned").value(s.cordoned);
  w.key("slots").value(s.slot_capacity);
  w.key("sessions").value(s.slots_taken());
  w.key("cpuMillicores").value(s.cpu_capacity_millicores);
  w.key("memoryMb").value(s.memory_capacity_mb);
  w.key("cpuReserved").value(uint64_t{s.cpu_reserved_millicores} + s.foreign.cpu_millicores);
  w.key("memoryReserved").value(uint64_t{s.memory_reserved_mb} + s.foreign.memory_mb);
  w.key("images").begin_array();
  for (uint32_t id = 0; id < images_.size(); ++id) {
    if (s.has_image(id)) w.value(images_[id]);
  }
  w.end_array();
  w.key("warm").value(warm_.ready_on(server));
  w.end_object();
}

uint32_t SessionPlacement::intern_image(std::string_view image) {
  uint32_t id = 0;
  while (id < images_.size() && images_[id] != image) ++id;
  if (id == images_.size()) images_.push_back(image);
  return id;
}

void SessionPlacement::on_catalog_reloaded() {
  const std::vector<Game>& games = runtime_.catalog.games();
  const size_t known_images = images_.size();
  for (uint32_t g = 0; g < games.size(); ++g) {
    const Game& game = games[g];
    if (g == game_image_.size()) {
      game_image_.push_back(intern_image(game.image));
      profiles_.emplace_back();
    } else {
      game_image_[g] = intern_image(game.image);
    }
    ResourceProfile& p = profiles_[g];
    if (p.cpu_samples == 0) p.cpu_cores = game.cpu_cores;
    if (p.memory_samples == 0) p.memory_mb = game.memory_mb;
  }
  // A new image may already be on a server (pulled before, or by another node).
  for (uint32_t s = 0; s < scheduler_.server_count(); ++s) {
    for (uint32_t id = static_cast<uint32_t>(known_images); id < images_.size(); ++id) {
      sync_image(s, id);
    }
  }
  bound_profiles();
  reload_warm();
}

}  // namespace ringside

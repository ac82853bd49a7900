// Warm containers (docs/warm-pools.md): created ahead of demand with stdin open, held by an
// attach stream; a take writes `ringside-take <session> <player> <bytes>\n` and the slot's save
// (a tar) on that stream, and the session is running when the game answers `ringside-took`.
// That line stays in the container's log: after a restart, a warm container whose log has it is
// the session it names (read_took_lines), one without it is a warm container again.
#include <algorithm>
#include <memory>
#include <utility>

#include "backends/docker/docker_backend.h"
#include "backends/docker/save_archive.h"
#include "core/log.h"

namespace ringside {
namespace {

using docker_api::describe_failure;

// No took line this long after the take was written: the take failed (placed again, cold).
constexpr uint64_t kTakeTimeoutMs = 10'000;

// What the helper thread made of the slot's file for a take.
struct TakeSave {
  std::string path;
  std::optional<std::string> file;
  std::string read_error;
  RebasedTar rebased;
};

uint32_t within(uint32_t limit, uint32_t capacity) {
  return limit == 0 || capacity == 0 ? limit : std::min(limit, capacity);
}

}  // namespace

DockerBackend::Warm* DockerBackend::find_warm(uint64_t id) {
  const auto it = warm_.find(id);
  return it == warm_.end() ? nullptr : it->second.get();
}

std::string DockerBackend::warm_container(uint64_t warm) const {
  const auto it = warm_.find(warm);
  return it == warm_.end() ? std::string() : it->second->container;
}

void DockerBackend::warm_create(WarmContainer spec) {
  auto owned_warm = std::make_unique<Warm>();
  Warm& w = *owned_warm;
  w.backend = this;
  w.id = spec.warm;
  w.game = std::move(spec.game_slug);
  w.image = docker_api::normalize_image(spec.image);
  w.catalog_image = std::move(spec.image);
  w.save_dir = std::move(spec.save_dir);
  w.label_player = std::move(spec.label_player);
  w.engine = spec.server;
  w.cpu_millicores = spec.cpu_millicores;
  w.memory_mb = spec.memory_mb;
  w.timer.warm = &w;
  w.timer.on_fire = &DockerBackend::on_warm_timer;
  warm_.insert_or_assign(w.id, std::move(owned_warm));
  if (w.engine >= engines_.size() || !engines_[w.engine]->up) {
    w.step = WarmStep::kHealth;  // reported from the timer, never from inside this call
    w.deadline_ms = 0;
    timers_.arm(&w.timer, reactor_.now_ms());
    return;
  }
  if (engines_[w.engine]->images.contains(w.image)) return warm_create_container(w);
  shared_pull(w.engine, w.image, "docker_pull_started").warm_waiters.push_back(w.id);
  w.step = WarmStep::kPull;
}

void DockerBackend::prefetch(uint32_t server, std::string_view image_name) {
  const std::string image = docker_api::normalize_image(image_name);
  if (server >= engines_.size()) return;
  if (!running_pull(server, image) && engines_[server]->images.contains(image)) {
    // There already: said from the next turn of the loop.
    prefetched_.emplace_back(server, std::string(image_name));
    timers_.arm(&prefetch_timer_, reactor_.now_ms());
    return;
  }
  auto& as = shared_pull(server, image, "docker_prefetch_started").prefetch_as;
  if (std::find(as.begin(), as.end(), image_name) == as.end()) as.emplace_back(image_name);
}

void DockerBackend::on_prefetch_timer(TimerNode* node) {
  DockerBackend& b = *static_cast<BackendTimer*>(node)->backend;
  // Moved out first: a handler may prefetch again.
  for (const auto& [server, image] : std::exchange(b.prefetched_, {})) {
    b.events_.on_prefetched(server, image, true);
  }
}

void DockerBackend::warm_call(Warm& w, HttpRequest request,
                              void (DockerBackend::*on_answer)(Warm&, HttpResponse&&)) {
  w.request =
      send(std::move(request), [this, id = w.id, engine = w.engine, on_answer](HttpResponse&& r) {
        Warm* found = find_warm(id);
        if (found == nullptr) {
          // Retired or forgotten while its create was on its way: what it made goes.
          std::optional<std::string> made;
          if (r.status == 201) made = docker_api::parse_created_id(r.body);
          if (made) remove_container_on(*engines_[engine], *made);
          return;
        }
        found->request = 0;
        (this->*on_answer)(*found, std::move(r));
      });
}

void DockerBackend::warm_create_container(Warm& w) {
  Engine& e = *engines_[w.engine];
  const std::optional<uint32_t> slot = free_slot(e);
  if (!slot && free_slot(e, /*after_removals=*/true)) {
    w.step = WarmStep::kWaitRoom;  // a name this node is freeing: made once it is free
    return;
  }
  if (!slot) return drop_warm(w, "no_room", false, false);
  w.engine_slot = *slot;
  w.step = WarmStep::kCreate;
  const std::string name = docker_api::slot_name(*slot);
  docker_api::ContainerSpec spec;
  spec.name = name;
  spec.image = w.catalog_image;  // Docker adds the same :latest
  spec.player_id = w.label_player;
  spec.game_slug = w.game;
  spec.warm = true;
  spec.cpu_millicores = within(w.cpu_millicores, e.capacity.cpu_millicores);
  spec.memory_mb = within(w.memory_mb, e.capacity.memory_mb);
  w.limit_cpu_millicores = spec.cpu_millicores;
  w.limit_memory_mb = spec.memory_mb;
  warm_call(w, docker_api::create_container(e.endpoint, spec), &DockerBackend::on_warm_created);
}

void DockerBackend::on_warm_created(Warm& w, HttpResponse&& r) {
  if (r.status == 409) {  // the name is another's: the next one believed free
    hold_name(*engines_[w.engine], std::exchange(w.engine_slot, docker_api::kNoSlot), 0, 0);
    return warm_create_container(w);
  }
  std::optional<std::string> container;
  if (r.status == 201) container = docker_api::parse_created_id(r.body);
  if (!container) {
    if (r.status == 404) engines_[w.engine]->images.erase(w.image);
    log_warn("docker_warm_create_failed")
        .kv("warm", w.id)
        .kv("server", servers_[w.engine].name)
        .kv("error", describe_failure(r));
    return drop_warm(w, "create", false, false);
  }
  w.container = std::move(*container);
  warm_by_container_[w.container] = w.id;
  w.step = WarmStep::kStart;
  warm_call(w, docker_api::start_container(engines_[w.engine]->endpoint, w.container),
            &DockerBackend::on_warm_started);
}

void DockerBackend::on_warm_started(Warm& w, HttpResponse&& r) {
  if (r.status != 204 && r.status != 304) {
    log_warn("docker_warm_start_failed").kv("warm", w.id).kv("error", describe_failure(r));
    return drop_warm(w, "start", true, false);
  }
  w.deadline_ms = reactor_.now_ms() + options_.start_timeout_ms;
  check_warm_health(w);
}

void DockerBackend::check_warm_health(Warm& w) {
  w.step = WarmStep::kHealth;
  warm_call(w, docker_api::inspect_container(engines_[w.engine]->endpoint, w.container),
            &DockerBackend::on_warm_inspected);
}

void DockerBackend::on_warm_inspected(Warm& w, HttpResponse&& r) {
  std::optional<docker_api::ContainerState> state;
  if (r.status == 200) state = docker_api::parse_inspect(r.body);
  if (!state || !state->running || state->health == docker_api::Health::kUnhealthy) {
    return drop_warm(w, "inspect", true, false);
  }
  if (state->health == docker_api::Health::kStarting) {
    if (reactor_.now_ms() >= w.deadline_ms) return drop_warm(w, "health_timeout", true, false);
    timers_.arm(&w.timer, reactor_.now_ms() + options_.health_poll_ms);
    return;
  }
  attach_warm(w);
}

void DockerBackend::attach_warm(Warm& w) {
  w.step = WarmStep::kAttach;
  const std::string container = w.container;
  DockerAttach::Callbacks callbacks;
  callbacks.on_open = [this, id = w.id] {
    Warm* found = find_warm(id);
    if (found == nullptr || found->step != WarmStep::kAttach) return;
    found->step = WarmStep::kReady;
    found->ready_ms = reactor_.now_ms();
    log_info("docker_warm_ready")
        .kv("warm", found->id)
        .kv("server", servers_[found->engine].name)
        .kv("container", std::string_view(found->container).substr(0, 12));
    if (!found->found) events_.on_warm_ready(found->id);
  };
  callbacks.on_line = [this, container](std::string_view line) { on_attach_line(container, line); };
  callbacks.on_end = [this, container](std::string_view error) { on_attach_end(container, error); };
  w.attach = attach_.open(engines_[w.engine]->endpoint, w.container, std::move(callbacks));
}

void DockerBackend::on_warm_timer(TimerNode* node) {
  Warm& w = *static_cast<WarmTimer*>(node)->warm;
  if (w.deadline_ms == 0) return w.backend->drop_warm(w, "server_down", false, false);
  w.backend->check_warm_health(w);
}

void DockerBackend::drop_warm(Warm& w, std::string_view why, bool remove, bool quiet) {
  const uint64_t id = w.id;
  if (!quiet) {
    log_warn("docker_warm_gone")
        .kv("warm", id)
        .kv("server", w.engine < servers_.size() ? std::string_view(servers_[w.engine].name) : "")
        .kv("reason", why);
  }
  timers_.cancel(&w.timer);
  if (w.request != 0 && w.step == WarmStep::kCreate) {
    // Left to answer: the container it makes is removed then (warm_call). Its name is held.
    hold_name(*engines_[w.engine], w.engine_slot, w.limit_cpu_millicores, w.limit_memory_mb);
  } else if (w.request != 0) {
    client_.cancel(w.request);
    in_flight_.erase(w.request);
  }
  if (w.step == WarmStep::kPull) {
    if (Pull* pull = running_pull(w.engine, w.image)) std::erase(pull->warm_waiters, id);
  }
  if (w.attach != 0) attach_.close(w.attach);
  if (!w.container.empty()) {
    warm_by_container_.erase(w.container);
    if (remove) {
      // Placement let go of its room with this call (or on the on_warm_gone below).
      engines_[w.engine]->removing.insert(w.container);
      foreign_may_change();
      remove_container_on(*engines_[w.engine], w.container);
    } else if (w.engine < engines_.size()) {
      // Left running (forget_warm): another node's from now on, counted as foreign.
      docker_api::ContainerLabels c;
      c.warm = w.game;
      c.player = w.label_player;
      c.slot = w.engine_slot;
      c.cpu_millicores = w.limit_cpu_millicores;
      c.memory_mb = w.limit_memory_mb;
      note_container(*engines_[w.engine], w.container, c);
    }
  }
  warm_.erase(id);  // destroys w
  if (!quiet) events_.on_warm_gone(id);
}

void DockerBackend::remove_container_on(Engine& e, const std::string& id) {
  send(docker_api::remove_container(e.endpoint, id), [this, &e, id](HttpResponse&& r) {
    if (r.status != 204 && r.status != 404) {
      log_warn("docker_remove_failed")
          .kv("container", id.substr(0, 12))
          .kv("error", describe_failure(r));
      // Left running: foreign from now on (placement counts it so), and no create waits for it.
      if (e.removing.erase(id) != 0) {
        foreign_may_change();
        room_may_change();
      }
      return;  // the next listing finds it
    }
    const auto seen = e.containers.find(id);
    container_gone(e, id,
                   seen != e.containers.end() ? seen->second.labels.slot : docker_api::kNoSlot);
  });
}

void DockerBackend::warm_retire(uint64_t id) {
  Warm* w = find_warm(id);
  if (w == nullptr) return;
  log_info("docker_warm_retired").kv("warm", id);
  drop_warm(*w, "retired", true, true);
}

void DockerBackend::forget_warm(uint64_t id) {
  if (Warm* w = find_warm(id)) drop_warm(*w, "forgotten", false, true);
}

// ---- The take ----

void DockerBackend::take(PlacedSession&& spec) {
  const uint64_t warm_id = spec.warm;
  Session& s = add_session(std::move(spec));
  Warm* w = find_warm(warm_id);
  if (w == nullptr || w->step != WarmStep::kReady || w->engine != s.engine) {
    log_warn("docker_take_not_ready").kv("session", s.id_text).kv("warm", warm_id);
    if (w != nullptr) drop_warm(*w, "take_not_ready", true, true);
    return report_later(s, End::kNoRoom, SessionError::kNone);
  }
  // The container is the session's from here on: its stream, its name, its limits.
  s.container = w->container;
  s.engine_slot = w->engine_slot;
  s.limit_cpu_millicores = w->limit_cpu_millicores;
  s.limit_memory_mb = w->limit_memory_mb;
  s.attach = std::exchange(w->attach, 0);
  warm_by_container_.erase(w->container);
  took_[s.container] = Took{s.id_text, s.player};
  w->container.clear();
  drop_warm(*w, "taken", false, true);
  s.step = Step::kTake;
  timers_.arm(&s.timer, reactor_.now_ms() + kTakeTimeoutMs);
  if (s.fresh_slot) return write_take(s, {});
  auto loaded = std::make_shared<TakeSave>();
  loaded->path = save_file_path(options_.save_root, s.slot);
  files_.post(
      [loaded, top = base_name(s.save_dir)] {
        loaded->file = read_save(loaded->path, &loaded->read_error);
        if (!loaded->file) return;
        try {
          loaded->rebased = rebase_tar(*loaded->file, top);
        } catch (const std::exception& e) {
          loaded->rebased = RebasedTar{{}, SaveError::kFailed, e.what()};
        }
      },
      [this, id = s.id, loaded] {
        Session* found = find(id);
        if (found == nullptr || found->step != Step::kTake) return;
        if (!loaded->file) {
          log_warn("docker_save_missing").kv("session", found->id_text).kv("path", loaded->path);
          return write_take(*found, {});
        }
        if (loaded->rebased.error != SaveError::kNone) {
          log_error("docker_save_unreadable")
              .kv("session", found->id_text)
              .kv("reason", save_error_code(loaded->rebased.error));
          return take_failed(*found, "save");
        }
        write_take(*found, std::move(loaded->rebased.tar));
      });
}

void DockerBackend::write_take(Session& s, std::string&& tar) {
  if (s.stop_requested) return abandon(s);
  std::string take =
      "ringside-take " + s.id_text + ' ' + s.player + ' ' + std::to_string(tar.size()) + '\n';
  take += tar;
  if (!attach_.write(s.attach, take)) take_failed(s, "stream");
}

void DockerBackend::take_failed(Session& s, std::string_view why) {
  log_warn("docker_take_failed")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("reason", why);
  timers_.cancel(&s.timer);
  attach_.close(std::exchange(s.attach, 0));
  if (s.stop_requested) return abandon(s);
  remove_and_end(s, End::kNoRoom, SessionError::kNone);  // placed again, cold
}

void DockerBackend::on_attach_line(const std::string& container, std::string_view line) {
  const auto taken = took_.find(container);
  if (taken == took_.end()) return;  // a warm game's chatter before its take
  const std::optional<ParsedId> id = parse_id(taken->second.session, IdKind::kSession);
  Session* s = id ? find(id->bits) : nullptr;
  if (s == nullptr || s->step != Step::kTake || s->container != container) return;
  if (line != "ringside-took " + s->id_text + ' ' + s->player) return;
  timers_.cancel(&s->timer);
  attach_.close(std::exchange(s->attach, 0));
  if (s->stop_requested) return abandon(*s);
  became_running(*s, /*read_baseline=*/true);
}

void DockerBackend::on_attach_end(const std::string& container, std::string_view error) {
  if (const auto w = warm_by_container_.find(container); w != warm_by_container_.end()) {
    if (Warm* found = find_warm(w->second)) {
      found->attach = 0;
      log_warn("docker_warm_attach_ended").kv("warm", found->id).kv("error", error);
      drop_warm(*found, "attach", true, false);
    }
    return;
  }
  const auto taken = took_.find(container);
  if (taken == took_.end()) return;
  const std::optional<ParsedId> id = parse_id(taken->second.session, IdKind::kSession);
  Session* s = id ? find(id->bits) : nullptr;
  if (s == nullptr || s->step != Step::kTake || s->container != container) return;
  s->attach = 0;
  take_failed(*s, "stream");
}

// ---- Listings and recovery ----

void DockerBackend::read_took_lines(Engine& e, HttpResponse&& r,
                                    std::function<void(HttpResponse&&)> then) {
  std::optional<std::vector<docker_api::ListedContainer>> listed;
  if (r.status == 200) listed = docker_api::parse_container_list(r.body);
  std::vector<std::string> unknown;
  if (listed) {
    for (const docker_api::ListedContainer& c : *listed) {
      if (!c.labels.warm.empty() && !warm_by_container_.contains(c.id) && !took_.contains(c.id)) {
        unknown.push_back(c.id);
      }
    }
  }
  if (unknown.empty()) {
    if (listed) e.took_unknown.clear();
    return then(std::move(r));
  }
  struct Pending {
    size_t left = 0;
    HttpResponse listing;
    std::function<void(HttpResponse&&)> then;
    std::unordered_set<std::string> failed;  // logs not read: taken or not, unknown
  };
  auto pending = std::make_shared<Pending>();
  pending->left = unknown.size();
  pending->listing = std::move(r);
  pending->then = std::move(then);
  for (const std::string& id : unknown) {
    send(docker_api::container_logs(e.endpoint, id), [this, &e, id, pending](HttpResponse&& log) {
      Took took;
      if (log.status != 200) {
        // A failed read (or a log over the client's body cap) is not "never taken".
        log_warn("docker_took_line_unread")
            .kv("server", servers_[e.index].name)
            .kv("container", std::string_view(id).substr(0, 12))
            .kv("error", describe_failure(log));
        pending->failed.insert(id);
      } else if (docker_api::find_took_line(log.body, &took.session, &took.player)) {
        took_.insert_or_assign(id, std::move(took));
      }
      if (--pending->left != 0) return;
      e.took_unknown = std::move(pending->failed);
      pending->then(std::move(pending->listing));
    });
  }
}

void DockerBackend::label_taken(std::vector<docker_api::ListedContainer>& listed) const {
  for (docker_api::ListedContainer& c : listed) {
    if (c.labels.warm.empty()) continue;
    const auto it = took_.find(c.id);
    if (it == took_.end()) continue;
    c.labels.session = it->second.session;
    c.labels.player = it->second.player;
  }
}

void DockerBackend::recover_warm(Engine& e, const std::vector<docker_api::ListedContainer>& listed,
                                 bool unsettled_only) {
  for (const docker_api::ListedContainer& c : listed) {
    if (c.labels.warm.empty()) continue;  // a session's
    if (unsettled_only && !e.warm_unsettled.contains(c.id)) continue;
    if (e.took_unknown.contains(c.id)) {
      e.warm_unsettled.insert(c.id);  // taken or not: looked at again once its log is read
      continue;
    }
    e.warm_unsettled.erase(c.id);
    if (!c.labels.session.empty()) continue;  // taken
    if (warm_by_container_.contains(c.id) || !judges(c.labels.player)) continue;
    uint64_t id = 0;
    if (c.running) {
      id = events_.on_warm_found(e.index, c.labels.warm, c.image, c.labels.cpu_millicores,
                                 c.labels.memory_mb, c.labels.player);
    }
    log_info("docker_warm_found")
        .kv("server", servers_[e.index].name)
        .kv("container", std::string_view(c.id).substr(0, 12))
        .kv("game", c.labels.warm)
        .kv("adopted", id != 0);
    if (id == 0) {
      remove_container_on(e, c.id);
      continue;
    }
    auto owned_warm = std::make_unique<Warm>();
    Warm& w = *owned_warm;
    w.backend = this;
    w.id = id;
    w.game = c.labels.warm;
    w.image = docker_api::normalize_image(c.image);
    w.catalog_image = c.image;
    w.label_player = c.labels.player;
    w.engine = e.index;
    w.cpu_millicores = w.limit_cpu_millicores = c.labels.cpu_millicores;
    w.memory_mb = w.limit_memory_mb = c.labels.memory_mb;
    w.container = c.id;
    w.engine_slot = c.labels.slot;
    w.found = true;
    w.timer.warm = &w;
    w.timer.on_fire = &DockerBackend::on_warm_timer;
    warm_by_container_[c.id] = id;
    warm_.insert_or_assign(id, std::move(owned_warm));
    attach_warm(w);
  }
}

void DockerBackend::settle_warm_recovery(Engine& e) {
  if (!std::exchange(e.warm_recovery_first, false)) return;
  if (--warm_recovery_engines_ != 0) return;
  log_info("docker_warm_recovered").kv("warm", warm_.size());
  events_.on_warm_recovered();
}

bool DockerBackend::creating_warm(const Engine& e, const docker_api::ContainerLabels& c) const {
  if (c.warm.empty() || c.slot == docker_api::kNoSlot) return false;
  return std::any_of(warm_.begin(), warm_.end(), [&](const auto& w) {
    return w.second->engine == e.index && w.second->engine_slot == c.slot &&
           w.second->step == WarmStep::kCreate;
  });
}

bool DockerBackend::owned(std::string_view container, const docker_api::ContainerLabels& c) const {
  if (!c.session.empty()) return owned(c.session);
  if (warm_by_container_.contains(std::string(container))) return true;
  const auto taken = took_.find(std::string(container));
  return taken != took_.end() && owned(taken->second.session);
}

}  // namespace ringside

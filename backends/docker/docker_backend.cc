// The session state machine: the start path (pull, create, save in, start, healthy), and how a
// session ends (remove, report). The stop path is in docker_stop.cc; engines and listings in
// docker_reconcile.cc.
#include "backends/docker/docker_backend.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>

#include "backends/docker/save_archive.h"
#include "core/log.h"

namespace ringside {
namespace {

using docker_api::describe_failure;
using docker_api::Health;

std::string pull_key(uint32_t engine, std::string_view image) {
  return std::to_string(engine) + '\n' + std::string(image);
}

// A call that got no HTTP answer because the engine refused the connection or vanished
// mid-call: the server is lost. Timeouts and error statuses are the start's own failure.
SessionError start_error(const HttpResponse& r) {
  return r.status == 0 && !r.timed_out ? SessionError::kServerLost : SessionError::kStartFailed;
}

}  // namespace

DockerBackend::DockerBackend(std::vector<DockerEngine> engines, DockerOptions options,
                             Reactor& reactor, BackendEvents& events, BackendMetrics& metrics)
    : options_(std::move(options)),
      reactor_(reactor),
      timers_(reactor.timers()),
      events_(events),
      metrics_(metrics),
      files_(reactor),
      attach_(reactor),
      client_(reactor) {
  client_.count_calls(metrics_.requests[kBackendCallDocker][kBackendCallOk],
                      metrics_.requests[kBackendCallDocker][kBackendCallError]);
  orphan_timer_.backend = this;
  orphan_timer_.on_fire = &DockerBackend::on_orphan_timer;
  foreign_timer_.backend = this;
  foreign_timer_.on_fire = &DockerBackend::on_foreign_timer;
  room_timer_.backend = this;
  room_timer_.on_fire = &DockerBackend::on_room_timer;
  prefetch_timer_.backend = this;
  prefetch_timer_.on_fire = &DockerBackend::on_prefetch_timer;
  for (DockerEngine& d : engines) {
    std::optional<docker_api::Endpoint> endpoint =
        docker_api::parse_endpoint(d.address, options_.api_version);
    if (!endpoint) throw std::invalid_argument("bad docker engine address: " + d.address);
    auto e = std::make_unique<Engine>();
    e->backend = this;
    e->index = static_cast<uint32_t>(engines_.size());
    e->endpoint = std::move(*endpoint);
    e->ping_timer.engine = e.get();
    e->ping_timer.on_fire = &DockerBackend::on_ping_timer;
    e->lost_timer.engine = e.get();
    e->lost_timer.on_fire = &DockerBackend::on_lost_timer;
    e->recovery_timer.engine = e.get();
    e->recovery_timer.on_fire = &DockerBackend::on_recovery_timer;
    e->events_timer.engine = e.get();
    e->events_timer.on_fire = &DockerBackend::on_events_timer;
    servers_.push_back(std::move(d.info));
    engines_.push_back(std::move(e));
  }
  for (const std::unique_ptr<Engine>& e : engines_) {
    list_images(*e);
    list_containers(*e);
    follow_events(*e);
    ping(*e);
    read_capacity(*e);  // before the first launch's create, which waits for it
  }
}

DockerBackend::~DockerBackend() {
  for (auto& [id, s] : sessions_) timers_.cancel(&s->timer);
  for (auto& [id, w] : warm_) timers_.cancel(&w->timer);
  for (const std::unique_ptr<Engine>& e : engines_) {
    timers_.cancel(&e->ping_timer);
    timers_.cancel(&e->lost_timer);
    timers_.cancel(&e->recovery_timer);
    stop_following(*e);
  }
  timers_.cancel(&orphan_timer_);
  timers_.cancel(&foreign_timer_);
  timers_.cancel(&room_timer_);
  timers_.cancel(&prefetch_timer_);
  for (HttpClient::RequestId id : in_flight_) client_.cancel(id);
}

bool DockerBackend::has_image(uint32_t server, std::string_view image) const {
  return server < engines_.size() &&
         engines_[server]->images.contains(docker_api::normalize_image(image));
}

std::string DockerBackend::container_of(const Id128& session) const {
  const auto it = sessions_.find(session);
  return it == sessions_.end() ? std::string() : it->second->container;
}

HttpClient::RequestId DockerBackend::send(HttpRequest request, Callback done) {
  // The id is known only once send() returns; the answer never comes before that.
  auto id = std::make_shared<HttpClient::RequestId>(0);
  *id = client_.send(std::move(request), [this, id, done = std::move(done)](HttpResponse&& r) {
    in_flight_.erase(*id);
    done(std::move(r));
  });
  in_flight_.insert(*id);
  return *id;
}

DockerBackend::Session* DockerBackend::find(const Id128& id) {
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void DockerBackend::start(PlacedSession spec) {
  if (sessions_.contains(spec.session)) {
    log_error("docker_duplicate_start").kv("session", spec.session_id_text);
    return;
  }
  if (spec.warm != 0) return take(std::move(spec));
  Session& s = add_session(std::move(spec));
  if (s.engine >= engines_.size() || !engines_[s.engine]->up) {
    report_later(s, End::kStartFailed, SessionError::kServerLost);
  } else if (engines_[s.engine]->images.contains(s.image)) {
    create(s);
  } else {
    join_pull(s);
  }
}

DockerBackend::Session& DockerBackend::add_session(PlacedSession&& spec) {
  auto owned = std::make_unique<Session>();
  Session& s = *owned;
  s.backend = this;
  s.id = spec.session;
  s.id_text = std::move(spec.session_id_text);
  s.player = std::move(spec.player_id);
  s.game = std::move(spec.game_slug);
  s.image = docker_api::normalize_image(spec.image);
  s.save_dir = std::move(spec.save_dir);
  s.slot = spec.save_slot;
  s.fresh_slot = spec.fresh_slot;
  s.was_stopping = spec.was_stopping;
  s.engine = spec.server;
  s.cpu_millicores = spec.cpu_millicores;
  s.memory_mb = spec.memory_mb;
  s.timer.session = &s;
  s.timer.on_fire = &DockerBackend::on_session_timer;
  sessions_.insert_or_assign(spec.session, std::move(owned));
  return s;
}

// ---- Start path ----

DockerBackend::Pull& DockerBackend::shared_pull(uint32_t engine, const std::string& image,
                                                std::string_view event) {
  const std::string key = pull_key(engine, image);
  auto [it, fresh] = pulls_.try_emplace(key);
  Pull& pull = it->second;
  if (fresh) {
    pull.engine = engine;
    pull.image = image;
    ++pulls_started_;
    log_info(event).kv("server", servers_[engine].name).kv("image", image);
    pull.request =
        send(docker_api::pull_image(engines_[engine]->endpoint, image, options_.pull_timeout_ms),
             [this, key](HttpResponse&& r) { on_pull_done(key, std::move(r)); });
  }
  return pull;
}

DockerBackend::Pull* DockerBackend::running_pull(uint32_t engine, std::string_view image) {
  const auto it = pulls_.find(pull_key(engine, image));
  return it == pulls_.end() ? nullptr : &it->second;
}

void DockerBackend::join_pull(Session& s) {
  shared_pull(s.engine, s.image, "docker_pull_started").waiters.push_back(s.id);
  s.step = Step::kPull;
  events_.on_phase(s.id, StartPhase::kPulling);
}

void DockerBackend::forget_pull(Session& s) {
  // The pull goes on without waiters: the image is cached for the next launch.
  if (Pull* pull = running_pull(s.engine, s.image)) std::erase(pull->waiters, s.id);
}

void DockerBackend::on_pull_done(const std::string& key, HttpResponse&& r) {
  const auto it = pulls_.find(key);
  if (it == pulls_.end()) return;
  const Pull pull = std::move(it->second);
  pulls_.erase(it);

  SessionError error = SessionError::kNone;
  std::string message;
  if (r.status == 200) {
    message = docker_api::pull_stream_error(r.body);
    if (!message.empty()) {
      error = docker_api::is_not_found_message(message) ? SessionError::kImageNotFound
                                                        : SessionError::kPullFailed;
    }
  } else {
    message = describe_failure(r);
    error = r.status == 404 ? SessionError::kImageNotFound : SessionError::kPullFailed;
  }
  if (error == SessionError::kNone) {
    engines_[pull.engine]->images.insert(pull.image);
    log_info("docker_pulled").kv("server", servers_[pull.engine].name).kv("image", pull.image);
  } else {
    log_warn("docker_pull_failed")
        .kv("server", servers_[pull.engine].name)
        .kv("image", pull.image)
        .kv("error", message);
  }
  for (const std::string& as : pull.prefetch_as) {
    events_.on_prefetched(pull.engine, as, error == SessionError::kNone);
  }
  for (uint64_t id : pull.warm_waiters) {
    Warm* w = find_warm(id);
    if (w == nullptr || w->step != WarmStep::kPull) continue;
    if (error == SessionError::kNone) {
      warm_create_container(*w);
    } else {
      drop_warm(*w, "pull", false, false);
    }
  }
  // Looked up one by one: an event handler may stop another waiter meanwhile.
  for (const Id128& id : pull.waiters) {
    Session* s = find(id);
    if (s == nullptr || s->step != Step::kPull) continue;
    if (error == SessionError::kNone) {
      create(*s);
    } else {
      remove_and_end(*s, End::kStartFailed, error);
    }
  }
}

void DockerBackend::call(Session& s, Step step, HttpRequest request, Answer on_answer) {
  cancel_call(s);  // one call per session: only a running session's CPU baseline can be left
  s.step = step;
  s.request = send(std::move(request), [this, id = s.id, on_answer](HttpResponse&& r) {
    Session* found = find(id);
    if (found == nullptr) return;
    found->request = 0;
    (this->*on_answer)(*found, std::move(r));
  });
}

void DockerBackend::create(Session& s) {
  // The phase first: a handler may stop the session, and then nothing is created.
  s.step = Step::kCreate;
  events_.on_phase(s.id, StartPhase::kCreating);
  if (s.stop_requested) return abandon(s);
  // Its limits are bounded by what the engine has: known in a moment, or given up on.
  if (engines_[s.engine]->info != 0) {
    s.step = Step::kCapacity;
    return;
  }
  send_create(s);
}

void DockerBackend::send_create(Session& s) {
  Engine& e = *engines_[s.engine];
  const std::optional<uint32_t> slot = free_slot(e);
  if (!slot && free_slot(e, /*after_removals=*/true)) {
    // A name is held only by a container this node is removing (a warm one retired for this
    // very launch): placement counted its room free, rightly; the create waits for it.
    log_info("docker_room_wait").kv("session", s.id_text).kv("server", servers_[s.engine].name);
    s.step = Step::kWaitRoom;
    return;
  }
  if (!slot) {
    // Placement counted a slot free that other nodes (or orphans) hold: it places the session
    // again, once told how full the engine is (report()).
    log_info("docker_no_room").kv("session", s.id_text).kv("server", servers_[s.engine].name);
    return report_later(s, End::kNoRoom, SessionError::kNone);
  }
  s.engine_slot = *slot;
  const std::string name = docker_api::slot_name(*slot);
  docker_api::ContainerSpec spec;
  spec.name = name;
  spec.image = s.image;
  spec.session_id_text = s.id_text;
  spec.player_id = s.player;
  spec.game_slug = s.game;
  bound_limits(s, spec);
  s.limit_cpu_millicores = spec.cpu_millicores;
  s.limit_memory_mb = spec.memory_mb;
  call(s, Step::kCreate, docker_api::create_container(endpoint(s), spec),
       &DockerBackend::on_created);
}

void DockerBackend::on_created(Session& s, HttpResponse&& r) {
  if (r.status == 409) {
    // The name is in use: another node's container, or one not seen yet. The engine keeps two
    // nodes from taking one slot; this one tries the next name it believes free.
    log_info("docker_slot_taken")
        .kv("session", s.id_text)
        .kv("server", servers_[s.engine].name)
        .kv("slot", s.engine_slot);
    hold_name(*engines_[s.engine], std::exchange(s.engine_slot, docker_api::kNoSlot), 0, 0);
    if (s.stop_requested) return abandon(s);
    return send_create(s);
  }
  if (r.status == 201) {
    if (std::optional<std::string> container = docker_api::parse_created_id(r.body)) {
      s.container = std::move(*container);
      if (s.stop_requested) return abandon(s);
      return put_save(s);
    }
  }
  if (s.stop_requested) return abandon(s);
  if (r.status == 404) {  // the image went away behind our back (pruned, a fresh data root)
    engines_[s.engine]->images.erase(s.image);
    if (!s.pulled_again) {
      s.pulled_again = true;
      log_info("docker_image_gone").kv("session", s.id_text).kv("server", servers_[s.engine].name);
      return join_pull(s);  // from the registry again, then create
    }
    return fail(s, SessionError::kImageNotFound, "create", &r);
  }
  fail(s, start_error(r), "create", &r);
}

// What the helper thread made of the slot's file for a start.
struct DockerBackend::LoadedSave {
  std::string path;
  std::optional<std::string> file;
  std::string read_error;
  RebasedTar rebased;
};

void DockerBackend::put_save(Session& s) {
  if (s.fresh_slot) return start_container(s);
  s.step = Step::kPutSave;
  auto loaded = std::make_shared<LoadedSave>();
  loaded->path = save_file_path(options_.save_root, s.slot);
  files_.post(
      [loaded, top = base_name(s.save_dir)] {
        loaded->file = read_save(loaded->path, &loaded->read_error);
        if (!loaded->file) return;
        try {
          loaded->rebased = rebase_tar(*loaded->file, top);
        } catch (const std::exception& e) {  // out of memory for a big save: fail this start only
          loaded->rebased = RebasedTar{{}, SaveError::kFailed, e.what()};
        }
      },
      [this, id = s.id, loaded] {
        if (Session* found = find(id)) on_save_loaded(*found, *loaded);
      });
}

void DockerBackend::on_save_loaded(Session& s, LoadedSave& loaded) {
  if (s.stop_requested) return abandon(s);
  if (!loaded.file) {
    // The store knows the slot but its data never reached this disk (another backend, a save
    // that failed): the game starts without it rather than not at all.
    log_warn("docker_save_missing")
        .kv("session", s.id_text)
        .kv("path", loaded.path)
        .kv("error", loaded.read_error);
    return start_container(s);
  }
  if (loaded.rebased.error != SaveError::kNone) {
    log_error("docker_save_unreadable")
        .kv("session", s.id_text)
        .kv("path", loaded.path)
        .kv("reason", save_error_code(loaded.rebased.error))
        .kv("error", loaded.rebased.detail);
    return fail(s, SessionError::kStartFailed, "save", nullptr);
  }
  call(s, Step::kPutSave,
       docker_api::put_archive(endpoint(s), s.container, parent_dir(s.save_dir),
                               std::move(loaded.rebased.tar)),
       &DockerBackend::on_save_put);
}

void DockerBackend::on_save_put(Session& s, HttpResponse&& r) {
  if (s.stop_requested) return abandon(s);
  if (r.status != 200) return fail(s, start_error(r), "put_save", &r);
  start_container(s);
}

void DockerBackend::start_container(Session& s) {
  call(s, Step::kStart, docker_api::start_container(endpoint(s), s.container),
       &DockerBackend::on_started);
}

void DockerBackend::on_started(Session& s, HttpResponse&& r) {
  if (s.stop_requested) return abandon(s);
  if (r.status != 204 && r.status != 304) return fail(s, start_error(r), "start", &r);
  s.start_deadline_ms = reactor_.now_ms() + options_.start_timeout_ms;
  check_health(s);
}

void DockerBackend::check_health(Session& s) {
  call(s, Step::kHealth, docker_api::inspect_container(endpoint(s), s.container),
       &DockerBackend::on_inspected);
}

void DockerBackend::on_inspected(Session& s, HttpResponse&& r) {
  if (s.stop_requested) return abandon(s);
  std::optional<docker_api::ContainerState> state;
  if (r.status == 200) state = docker_api::parse_inspect(r.body);
  if (!state) return fail(s, start_error(r), "inspect", &r);
  if (!state->running) return fail(s, SessionError::kStartFailed, "exited", nullptr);
  switch (state->health) {
    case Health::kNone:
    case Health::kHealthy:
      return became_running(s, /*read_baseline=*/true);
    case Health::kUnhealthy:
      return fail(s, SessionError::kStartFailed, "unhealthy", nullptr);
    case Health::kStarting:
      if (reactor_.now_ms() >= s.start_deadline_ms) {
        return fail(s, SessionError::kStartFailed, "health_timeout", nullptr);
      }
      timers_.arm(&s.timer, reactor_.now_ms() + options_.health_poll_ms);
      return;
  }
}

void DockerBackend::became_running(Session& s, bool read_baseline) {
  s.step = Step::kRunning;
  s.running_since_ms = reactor_.now_ms();
  log_info("docker_running")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("container", std::string_view(s.container).substr(0, 12));
  // Asked before on_running, which may stop the session at once (adopted, and stopped
  // meanwhile): the stop's first call then abandons the read.
  if (read_baseline) read_cpu_baseline(s);
  events_.on_running(s.id);
}

// Read after `running` is reported, so the player never waits for the engine's stats tick
// (up to a second); the running window the stop's CPU figure covers starts at its answer.
void DockerBackend::read_cpu_baseline(Session& s) {
  call(s, Step::kRunning, docker_api::container_stats(endpoint(s), s.container),
       &DockerBackend::on_cpu_baseline);
}

void DockerBackend::on_cpu_baseline(Session& s, HttpResponse&& r) {
  std::optional<docker_api::StatsFigures> f;
  if (r.status == 200) f = docker_api::parse_stats(r.body);
  if (!f) {  // not said: the stop reports the whole total
    log_warn("docker_stats_failed").kv("session", s.id_text).kv("error", describe_failure(r));
    return;
  }
  if (std::isnan(f->cpu_seconds)) {
    // Empty: the container is not running any more. Its `die` may have come while the start
    // was still inspecting it (a start's is left to its inspect, which had just seen it up):
    // nothing else would end the session before the next listing.
    log_warn("docker_container_lost")
        .kv("session", s.id_text)
        .kv("server", servers_[s.engine].name)
        .kv("seen_by", "cpu_baseline");
    return remove_and_end(s, End::kLost, SessionError::kContainerLost);
  }
  s.cpu_baseline = f->cpu_seconds;
  s.baseline_ms = reactor_.now_ms();
}

void DockerBackend::cancel_call(Session& s) {
  if (s.request == 0) return;
  client_.cancel(s.request);
  in_flight_.erase(s.request);
  s.request = 0;
}

void DockerBackend::fail(Session& s, SessionError error, std::string_view step,
                         const HttpResponse* r) {
  log_warn("docker_start_failed")
      .kv("session", s.id_text)
      .kv("server", servers_[s.engine].name)
      .kv("step", step)
      .kv("error", error_code(error))
      .kv("detail", r != nullptr ? describe_failure(*r) : std::string());
  if (s.stop_requested) return abandon(s);
  remove_and_end(s, End::kStartFailed, error);
}

void DockerBackend::abandon(Session& s) {
  s.figures = {};  // a session that never ran used nothing and saved nothing
  remove_and_end(s, End::kStopped, SessionError::kNone);
}

void DockerBackend::remove_and_end(Session& s, End end, SessionError error) {
  s.end = end;
  s.error = error;
  if (s.container.empty()) return report_later(s, end, error);
  call(s, Step::kRemove, docker_api::remove_container(endpoint(s), s.container),
       &DockerBackend::on_removed);
}

void DockerBackend::on_removed(Session& s, HttpResponse&& r) {
  if (r.status == 204 || r.status == 404) {
    container_gone(*engines_[s.engine], s.container, s.engine_slot);  // its name is free
    s.container.clear();
    s.engine_slot = docker_api::kNoSlot;
  } else {
    // Left behind: the next listing finds it an orphan and removes it.
    log_warn("docker_remove_failed").kv("session", s.id_text).kv("error", describe_failure(r));
  }
  report(s);
}

void DockerBackend::report_later(Session& s, End end, SessionError error) {
  s.step = Step::kReport;
  s.end = end;
  s.error = error;
  timers_.arm(&s.timer, reactor_.now_ms());
}

void DockerBackend::report(Session& s) {
  const Id128 id = s.id;
  const uint32_t engine = s.engine;
  const End end = s.end;
  const SessionError error = s.error;
  const SessionFigures figures = s.figures;
  forget(s);
  switch (end) {
    case End::kNoRoom:
      // Placement learns how full the engine is before it places the session again.
      report_foreign(*engines_[engine]);
      events_.on_no_room(id);
      return;
    case End::kStopped:
      events_.on_stopped(id, figures);
      return;
    case End::kStartFailed:
      events_.on_start_failed(id, error);
      return;
    case End::kLost:
      events_.on_lost(id, error);
      return;
  }
}

void DockerBackend::forget(const Id128& session) {
  // Its container runs on for the partition's next owner: foreign here from now on, and said so
  // before this returns. Placement gives the session's room back right after, and drains its
  // queue into it: the container must be counted there first (forget_partition).
  uint32_t engine = kUnknownServer;
  if (Session* s = find(session)) {
    engine = s->engine;
    forget(*s);
  } else {
    // Given to recover() and not looked up yet: never adopted here.
    const auto it = std::find_if(recovering_.begin(), recovering_.end(), [&](const auto& r) {
      return r.second.session.session == session;
    });
    if (it == recovering_.end()) return;
    engine = it->second.session.server;
    recovering_.erase(it);
  }
  if (engine < engines_.size()) report_foreign(*engines_[engine]);
}

void DockerBackend::forget(Session& s) {
  if (s.attach != 0) attach_.close(std::exchange(s.attach, 0));
  leave_on_engine(s);
  timers_.cancel(&s.timer);
  cancel_call(s);
  if (s.step == Step::kPull) forget_pull(s);
  const Id128 id = s.id;
  sessions_.erase(id);  // destroys s
}

void DockerBackend::on_session_timer(TimerNode* node) {
  Session& s = *static_cast<SessionTimer*>(node)->session;
  if (s.step == Step::kHealth) {
    s.backend->check_health(s);
  } else if (s.step == Step::kReport) {
    s.backend->report(s);
  } else if (s.step == Step::kTake) {
    s.backend->take_failed(s, "timeout");
  }
}

}  // namespace ringside

// Engines and what runs on them: pings (up and down), image and container listings, recovery
// after a restart, vanished containers and orphans.
#include <algorithm>
#include <utility>

#include "backends/docker/docker_backend.h"
#include "core/log.h"

namespace ringside {

void DockerBackend::ping(Engine& e) {
  if (e.ping != 0) return;
  e.ping =
      send(docker_api::ping(e.endpoint, options_.ping_timeout_ms), [this, &e](HttpResponse&& r) {
        e.ping = 0;
        on_ping(e, r);
      });
}

void DockerBackend::on_ping(Engine& e, const HttpResponse& r) {
  const bool answered = r.status == 200;
  if (answered && !e.up) engine_back(e);
  if (!answered && e.up) {
    log_warn("docker_engine_down")
        .kv("server", servers_[e.index].name)
        .kv("error", docker_api::describe_failure(r));
    engine_down(e);
  }
  if (e.up) read_capacity(e);  // not answered yet, or back: what its machine has
  const uint64_t now = reactor_.now_ms();
  if (e.up && now - e.last_listing_ms >= options_.reconcile_interval_ms) list_containers(e);
  timers_.arm(&e.ping_timer, now + options_.ping_interval_ms);
}

void DockerBackend::engine_down(Engine& e) {
  e.up = false;
  e.down_since_ms = reactor_.now_ms();
  timers_.arm(&e.lost_timer, e.down_since_ms + options_.lost_timeout_ms);
  events_.on_server_health(e.index, false);
  stop_following(e);
  lose_stops(e);
  settle_warm_recovery(e);  // its warm containers are found when it comes back
}

void DockerBackend::lose_stops(Engine& e) {
  std::vector<Id128> stopping;
  for (const auto& [id, s] : sessions_) {
    if (s->engine == e.index &&
        (s->step == Step::kStats || s->step == Step::kStopContainer || s->step == Step::kGetSave)) {
      stopping.push_back(id);
    }
  }
  // A stop already holding the save (kStoreSave) or removing the container goes on: its
  // save is kept, and a container left behind is an orphan once the engine is back.
  for (const Id128& id : stopping) {
    if (Session* s = find(id)) lose_stopping(*s, "engine_down");
  }
}

void DockerBackend::engine_back(Engine& e) {
  e.up = true;
  e.capacity_current = false;  // it may be another machine now
  timers_.cancel(&e.lost_timer);
  log_info("docker_engine_up")
      .kv("server", servers_[e.index].name)
      .kv("down_ms", reactor_.now_ms() - e.down_since_ms);
  events_.on_server_health(e.index, true);
  // It may have restarted empty: what it holds and runs is looked at again.
  list_images(e);
  list_containers(e);
  follow_events(e);
}

void DockerBackend::list_images(Engine& e) {
  if (e.image_listing != 0) return;
  e.image_listing = send(docker_api::list_images(e.endpoint), [this, &e](HttpResponse&& r) {
    e.image_listing = 0;
    std::optional<std::vector<std::string>> tags;
    if (r.status == 200) tags = docker_api::parse_image_tags(r.body);
    if (!tags) {
      log_warn("docker_image_listing_failed").kv("server", servers_[e.index].name);
      return;
    }
    // Pulls that ended while the listing was on its way are in it or in the set already.
    for (std::string& tag : *tags) e.images.insert(std::move(tag));
  });
}

void DockerBackend::list_containers(Engine& e) {
  if (e.listing != 0) return;
  const uint64_t sent = reactor_.now_ms();
  const uint64_t serial = ++listings_sent_;
  e.last_listing_ms = sent;
  e.listing = send(
      docker_api::list_session_containers(e.endpoint), [this, &e, sent, serial](HttpResponse&& r) {
        // Still "in flight" while the took lines are read.
        read_took_lines(e, std::move(r), [this, &e, sent, serial](HttpResponse&& listed) {
          e.listing = 0;
          on_container_list(e, sent, serial, std::move(listed));
          if (std::exchange(e.list_again, false)) list_containers(e);
        });
      });
}

void DockerBackend::on_container_list(Engine& e, uint64_t sent_ms, uint64_t serial,
                                      HttpResponse&& r) {
  std::optional<std::vector<docker_api::ListedContainer>> listed;
  if (r.status == 200) listed = docker_api::parse_container_list(r.body);
  if (!listed) {
    log_warn("docker_container_listing_failed").kv("server", servers_[e.index].name);
    // Sessions being recovered are lost only after the lost timeout, as on an engine that
    // went down: until then the next ping lists again (or the lost timer gives up on them).
    e.last_listing_ms = 0;
    recover_engine(e, nullptr, 0);
    // Its warm containers are found by a listing that answers, later (e.warm_recovery stays).
    if (e.warm_recovery != 0 && serial >= e.warm_recovery) settle_warm_recovery(e);
    return;
  }
  label_taken(*listed);  // a taken warm container is its session's
  recover_engine(e, &*listed, serial);
  if (e.warm_recovery != 0 && serial >= e.warm_recovery) {
    e.warm_recovery = 0;
    recover_warm(e, *listed);
    settle_warm_recovery(e);
  } else if (!e.warm_unsettled.empty()) {
    std::erase_if(e.warm_unsettled, [&](const std::string& id) {
      return std::none_of(listed->begin(), listed->end(),
                          [&](const auto& c) { return c.id == id; });
    });
    recover_warm(e, *listed, /*unsettled_only=*/true);
  }
  // Held warm containers (ready before the listing was asked for) gone or exited behind
  // ringside's back.
  std::vector<uint64_t> warm_vanished;
  for (const auto& [id, w] : warm_) {
    if (w->engine != e.index || w->step != WarmStep::kReady || w->ready_ms >= sent_ms) continue;
    const std::string& container = w->container;
    const auto it = std::find_if(listed->begin(), listed->end(),
                                 [&](const auto& c) { return c.id == container; });
    if (it == listed->end() || !it->running) warm_vanished.push_back(id);
  }
  for (uint64_t id : warm_vanished) {
    if (Warm* w = find_warm(id)) drop_warm(*w, "vanished", true, false);
  }

  // Running sessions (running before the listing was asked for) whose container is gone or
  // has exited: lost.
  std::vector<std::pair<Id128, bool>> vanished;  // and whether its container is still there
  for (const auto& [id, s] : sessions_) {
    if (s->engine != e.index || s->step != Step::kRunning || s->running_since_ms >= sent_ms) {
      continue;
    }
    const std::string& container = s->container;  // clang 14 cannot capture a binding
    const auto it = std::find_if(listed->begin(), listed->end(),
                                 [&](const auto& c) { return c.id == container; });
    if (it == listed->end() || !it->running) vanished.push_back({id, it != listed->end()});
  }
  for (const auto& [id, left] : vanished) {
    Session* s = find(id);
    if (s == nullptr || s->step != Step::kRunning) continue;
    if (s->was_stopping) {
      end_asked_stop(*s, left);
      continue;
    }
    log_warn("docker_container_lost")
        .kv("session", s->id_text)
        .kv("server", servers_[e.index].name);
    remove_and_end(*s, End::kLost, SessionError::kContainerLost);
  }

  note_listing(e, serial, *listed);
  for (const docker_api::ListedContainer& c : *listed) {
    // Not one destroyed since the listing was asked for (note_listing left those out).
    if (e.containers.contains(c.id)) note_orphan(e, c.id, c.labels);
  }
  arm_orphan_timer();
}

void DockerBackend::recover(std::vector<PlacedSession> sessions) {
  // Once per partition this node acquires, in cluster mode, and after starts: each session
  // waits for a listing of its engine asked for from now on (another node may have made its
  // container a moment ago).
  const uint64_t now = reactor_.now_ms();
  for (PlacedSession& r : sessions) {
    if (sessions_.contains(r.session)) {
      log_error("docker_duplicate_recover").kv("session", r.session_id_text);
      continue;
    }
    if (r.server == kUnknownServer && !r.was_running) {
      // A start the store knows no server of: looked for on every engine (recover_engine).
      std::string label = r.session_id_text;
      Recovering unplaced{std::move(r), now, listings_sent_ + 1};
      unplaced.unanswered.assign(engines_.size(), 1);
      recovering_.insert_or_assign(std::move(label), std::move(unplaced));
      continue;
    }
    if (r.server >= engines_.size()) {
      const End end = r.was_running ? End::kLost : End::kStartFailed;
      report_later(add_session(std::move(r)), end, SessionError::kServerLost);
      continue;
    }
    std::string label = r.session_id_text;
    recovering_.insert_or_assign(std::move(label),
                                 Recovering{std::move(r), now, listings_sent_ + 1});
  }
  const bool first = !std::exchange(warm_recovery_asked_, true);
  if (first) warm_recovery_engines_ = static_cast<uint32_t>(engines_.size());
  for (const std::unique_ptr<Engine>& e : engines_) {
    e->warm_recovery = listings_sent_ + 1;
    if (first) e->warm_recovery_first = true;
    if (e->listing != 0) {
      e->list_again = true;
    } else {
      list_containers(*e);
    }
  }
  foreign_may_change();  // their containers are this node's now
  if (first && engines_.empty()) events_.on_warm_recovered();
}

void DockerBackend::recover_engine(Engine& e,
                                   const std::vector<docker_api::ListedContainer>* listed,
                                   uint64_t serial) {
  const uint64_t now = reactor_.now_ms();
  std::vector<PlacedSession> mine;
  std::vector<Id128> relocated;         // unplaced starts found on this engine
  std::vector<PlacedSession> nowhere;   // unplaced starts no engine holds
  std::vector<PlacedSession> given_up;  // unplaced starts an engine did not list in time
  uint64_t next_deadline = UINT64_MAX;
  for (auto it = recovering_.begin(); it != recovering_.end();) {
    Recovering& r = it->second;
    const uint64_t deadline = r.at_ms + options_.lost_timeout_ms;
    if (r.session.server == kUnknownServer) {
      const bool settled = settle_unplaced(e, r, listed, serial);
      if (r.session.server == e.index) {
        relocated.push_back(r.session.session);
        mine.push_back(std::move(r.session));
        it = recovering_.erase(it);
      } else if (settled) {
        nowhere.push_back(std::move(r.session));
        it = recovering_.erase(it);
      } else if (r.unanswered[e.index] == 0) {
        ++it;
      } else if (listed == nullptr && deadline <= now) {
        // This engine may hold its container: failed, never placed twice.
        given_up.push_back(std::move(r.session));
        it = recovering_.erase(it);
      } else {
        next_deadline = std::min(next_deadline, deadline);
        ++it;
      }
    } else if (r.session.server != e.index || took_unknown_may_hold(e, r, listed)) {
      // Another engine's, or its container may be a taken warm one whose log was not read:
      // left for the next listing.
      ++it;
    } else if (listed != nullptr ? r.listing <= serial : deadline <= now) {
      mine.push_back(std::move(r.session));
      it = recovering_.erase(it);
    } else {
      next_deadline = std::min(next_deadline, deadline);
      ++it;
    }
  }
  // Those still waiting for a listing: given up on at their own deadline, whatever the engine's
  // health (an engine down has its own lost timer, for the sessions it runs).
  if (next_deadline == UINT64_MAX) {
    timers_.cancel(&e.recovery_timer);
  } else {
    timers_.arm(&e.recovery_timer, next_deadline);
  }
  // Placement reserves them here before anything else is reported of them.
  for (const Id128& id : relocated) events_.on_relocated(id, e.index);
  for (PlacedSession& r : given_up) {
    log_warn("docker_unplaced_start_not_found")
        .kv("session", r.session_id_text)
        .kv("server", servers_[e.index].name);
    report_later(add_session(std::move(r)), End::kStartFailed, SessionError::kStartFailed);
  }
  for (PlacedSession& r : mine) {
    const bool was_running = r.was_running;
    Session& s = add_session(std::move(r));
    if (listed == nullptr) {  // cannot tell: the engine is as good as lost
      remove_and_end(s, was_running ? End::kLost : End::kStartFailed, SessionError::kServerLost);
      continue;
    }
    const auto c = std::find_if(listed->begin(), listed->end(),
                                [&](const auto& item) { return item.labels.session == s.id_text; });
    if (c != listed->end()) {
      // Its container's name keeps its slot (none when named the old way).
      s.container = c->id;
      s.engine_slot = c->labels.slot;
      s.limit_cpu_millicores = c->labels.cpu_millicores;
      s.limit_memory_mb = c->labels.memory_mb;
    }
    if (c != listed->end() && c->running && was_running) {
      log_info("docker_adopted").kv("session", s.id_text).kv("server", servers_[e.index].name);
      became_running(s, /*read_baseline=*/false);
    } else if (c != listed->end() && c->running) {
      // A start the restart cut short after its container started: it goes on from the
      // health check, as the start would have.
      log_info("docker_adopted_start")
          .kv("session", s.id_text)
          .kv("server", servers_[e.index].name);
      s.start_deadline_ms = reactor_.now_ms() + options_.start_timeout_ms;
      check_health(s);
    } else if (s.was_stopping) {
      // Its stop, asked for before, did this: the save the game wrote as it stopped is kept.
      end_asked_stop(s, /*container_left=*/c != listed->end());
    } else if (was_running && c != listed->end()) {
      save_out_lost(s);
    } else if (was_running) {
      remove_and_end(s, End::kLost, SessionError::kContainerLost);
    } else {
      // Cut short before its container ran (or it exited): what it left is removed.
      remove_and_end(s, End::kStartFailed, SessionError::kStartFailed);
    }
  }
  // Nothing of them exists: placed again (maybe started from inside this call, hence last).
  for (const PlacedSession& r : nowhere) {
    log_info("docker_unplaced_start_on_no_engine").kv("session", r.session_id_text);
    events_.on_no_room(r.session);
  }
}

bool DockerBackend::took_unknown_may_hold(
    const Engine& e, const Recovering& r,
    const std::vector<docker_api::ListedContainer>* listed) const {
  if (!e.up || e.took_unknown.empty()) return false;
  const std::string& label = r.session.session_id_text;
  return listed == nullptr || std::none_of(listed->begin(), listed->end(), [&](const auto& c) {
           return c.labels.session == label;
         });
}

bool DockerBackend::settle_unplaced(const Engine& e, Recovering& r,
                                    const std::vector<docker_api::ListedContainer>* listed,
                                    uint64_t serial) {
  if (listed == nullptr || r.listing > serial) return false;  // not an answer that counts
  const std::string& label = r.session.session_id_text;
  if (std::any_of(listed->begin(), listed->end(),
                  [&](const auto& c) { return c.labels.session == label; })) {
    r.session.server = e.index;
    return false;
  }
  r.unanswered[e.index] = 0;
  return std::all_of(r.unanswered.begin(), r.unanswered.end(), [](uint8_t u) { return u == 0; });
}

bool DockerBackend::owned(std::string_view session_label) const {
  if (recovering_.contains(session_label)) return true;
  std::optional<ParsedId> id = parse_id(session_label, IdKind::kSession);
  return id && sessions_.contains(id->bits);
}

void DockerBackend::note_orphan(Engine& e, std::string_view container,
                                const docker_api::ContainerLabels& c) {
  // Another node's to judge when its partition is not served here (it may be that node's
  // session, whose store rows this node has not loaded).
  if (owned(container, c) || !judges(c.player)) return;
  if (creating_warm(e, c)) return;
  if (e.took_unknown.contains(std::string(container))) return;  // maybe a session's
  Orphan o;
  o.engine = e.index;
  o.session = c.session;
  o.player = c.player;
  o.remove_at_ms = reactor_.now_ms() + options_.orphan_grace_ms;
  const auto [it, fresh] = orphans_.try_emplace(std::string(container), o);
  if (!fresh) {
    // A warm one's took line may have been read since: the player it names is the one judged.
    it->second.session = std::move(o.session);
    it->second.player = std::move(o.player);
  } else {
    log_info("docker_orphan_found")
        .kv("server", servers_[e.index].name)
        .kv("container", container.substr(0, 12))
        .kv("session", c.session);
  }
}

void DockerBackend::arm_orphan_timer() {
  if (orphans_.empty()) return timers_.cancel(&orphan_timer_);
  uint64_t first = UINT64_MAX;
  for (const auto& [id, o] : orphans_) first = std::min(first, o.remove_at_ms);
  timers_.arm(&orphan_timer_, first);
}

void DockerBackend::remove_orphans() {
  const uint64_t now = reactor_.now_ms();
  for (auto it = orphans_.begin(); it != orphans_.end();) {
    const Orphan& o = it->second;
    if (o.remove_at_ms > now) {
      ++it;
      continue;
    }
    // Still nobody's, and still this node's to judge (a partition lost meanwhile is not).
    docker_api::ContainerLabels labels;
    labels.session = o.session;
    const bool unknown = engines_[o.engine]->took_unknown.contains(it->first);
    if (!unknown && !owned(it->first, labels) && judges(o.player)) {
      log_info("docker_orphan_removed")
          .kv("server", servers_[o.engine].name)
          .kv("container", std::string_view(it->first).substr(0, 12))
          .kv("session", o.session);
      // One that could not be removed is found again by the next listing.
      Engine& e = *engines_[o.engine];
      send(docker_api::remove_container(e.endpoint, it->first),
           [this, &e, id = it->first](HttpResponse&& r) {
             if (r.status != 204 && r.status != 404) return;
             const auto seen = e.containers.find(id);
             if (seen != e.containers.end()) container_gone(e, id, seen->second.labels.slot);
           });
    }
    it = orphans_.erase(it);
  }
  arm_orphan_timer();
}

void DockerBackend::lose_sessions(Engine& e) {
  std::vector<Id128> on_engine;
  for (const auto& [id, s] : sessions_) {
    if (s->engine == e.index) on_engine.push_back(id);
  }
  log_warn("docker_engine_lost")
      .kv("server", servers_[e.index].name)
      .kv("sessions", uint64_t{on_engine.size()});
  for (const Id128& id : on_engine) {
    Session* s = find(id);
    if (s == nullptr) continue;
    switch (s->step) {
      case Step::kRunning:
        forget(*s);
        events_.on_lost(id, SessionError::kServerLost);
        break;
      case Step::kPull:
      case Step::kCapacity:
      case Step::kWaitRoom:
      case Step::kCreate:
      case Step::kPutSave:
      case Step::kStart:
      case Step::kHealth:
      case Step::kTake:
        if (s->stop_requested) {
          s->figures = {};
          s->end = End::kStopped;
        } else {
          s->end = End::kStartFailed;
          s->error = SessionError::kServerLost;
        }
        report(*s);
        break;
      default:
        break;  // ending already: its calls fail or time out, then it reports
    }
  }
}

void DockerBackend::on_ping_timer(TimerNode* node) {
  Engine& e = *static_cast<EngineTimer*>(node)->engine;
  e.backend->ping(e);
}

void DockerBackend::on_lost_timer(TimerNode* node) {
  Engine& e = *static_cast<EngineTimer*>(node)->engine;
  if (!e.up) e.backend->lose_sessions(e);
}

void DockerBackend::on_recovery_timer(TimerNode* node) {
  Engine& e = *static_cast<EngineTimer*>(node)->engine;
  // A listing still on its way is waited for: slow is not unanswered (a loaded engine, a
  // loaded node), and giving up would end sessions whose containers run. Its answer, or its
  // failure past the deadline, settles them.
  if (e.listing != 0) return;
  // Recovered sessions whose containers could not be listed in time.
  e.backend->recover_engine(e, nullptr, 0);
}

void DockerBackend::on_orphan_timer(TimerNode* node) {
  static_cast<BackendTimer*>(node)->backend->remove_orphans();
}

}  // namespace ringside

#include "backends/sim/sim_backend.h"

#include <algorithm>
#include <utility>

#include "core/log.h"

namespace ringside {

SimBackend::SimBackend(std::vector<GameServerInfo> servers, SimOptions options, TimerWheel& timers,
                       Clock now_ms, BackendEvents& events)
    : servers_(std::move(servers)),
      options_(std::move(options)),
      timers_(timers),
      now_ms_(std::move(now_ms)),
      events_(events),
      state_(servers_.size()),
      rng_(options_.seed) {
  for (const std::string& image : options_.preloaded_images) {
    const uint32_t id = intern(image);
    for (ServerState& s : state_) s.cached[id] = 1;
  }
}

SimBackend::~SimBackend() {
  sessions_.for_each([this](uint32_t, Session& s) { timers_.cancel(&s); });
  pulls_.for_each([this](uint32_t, Pull& p) { timers_.cancel(&p); });
  for (auto& [id, w] : warms_) timers_.cancel(&w);
  timers_.cancel(&warm_recovered_);
}

bool SimBackend::has_image(uint32_t server, std::string_view image) const {
  if (server >= state_.size()) return false;
  const auto it = image_ids_.find(image);
  return it != image_ids_.end() && state_[server].cached[it->second] != 0;
}

void SimBackend::start(PlacedSession spec) {
  if (session_index_.find(spec.session) != nullptr) {
    log_error("sim_duplicate_start").kv("session", spec.session_id_text);
    return;
  }
  const uint32_t image = intern(spec.image);
  const uint64_t warm = spec.warm;
  Session& s = add_session(spec);
  s.image = image;

  if (warm != 0) {
    // The take: the save data goes into the waiting game, which plays at once.
    const auto it = warms_.find(warm);
    if (it == warms_.end() || !it->second.ready || it->second.server != spec.server) {
      s.state = State::kNoRoom;  // nothing left of it: placed again, cold
      timers_.arm(&s, now_ms_());
      return;
    }
    drop_warm(warm);
    s.state = State::kCreating;
    s.save_bytes = s.fresh_slot ? 0 : saved_bytes(s.save_slot);
    timers_.arm(&s, now_ms_());
    return;
  }
  if (spec.server >= state_.size() || !state_[spec.server].up) {
    fail_later(s, SessionError::kServerLost);
  } else if (state_[spec.server].cached[image] != 0) {
    begin_creating(s);
  } else {
    join_pull(s);
  }
}

// A simulated fleet outlives ringside's restarts: every session still running on a server
// that is up is adopted, running from now. A start cut short on a server is failed: it ran in
// this process. Reported at once (placement expects the reports of recover() from inside it or
// later; nothing is mid-start here). A start the store knows no server of (queued or pulling
// when its node died) left nothing anywhere: given back to placement (on_no_room, from its
// timer) to be placed again.
void SimBackend::recover(std::vector<PlacedSession> sessions) {
  if (!std::exchange(warm_recovered_.armed_once, true)) {
    warm_recovered_.backend = this;
    warm_recovered_.on_fire = &SimBackend::on_warm_recovered_timer;
    timers_.arm(&warm_recovered_, now_ms_());
  }
  for (const PlacedSession& r : sessions) {
    if (!r.was_running && r.server == kUnknownServer) {
      if (find(r.session) != nullptr) continue;  // already being given back
      Session& s = add_session(r);
      s.state = State::kNoRoom;
      timers_.arm(&s, now_ms_());
      continue;
    }
    if (!r.was_running) {
      events_.on_start_failed(r.session, SessionError::kStartFailed);
      continue;
    }
    if (r.server < state_.size() && state_[r.server].up && find(r.session) != nullptr) {
      // Still held here: recover() given a session this backend was not told to forget
      // (placement forgets a lost partition's sessions here first, and a partition that
      // comes back is recovered afresh). Adopted as it is rather than held twice.
      events_.on_running(r.session);
      continue;
    }
    if (r.server >= state_.size() || !state_[r.server].up) {
      events_.on_lost(r.session, SessionError::kServerLost);
      continue;
    }
    Session& s = add_session(r);
    s.save_bytes = saved_bytes(r.save_slot);
    s.state = State::kRunning;
    s.running_since_ms = now_ms_();
    events_.on_running(r.session);
  }
}

SimBackend::Session& SimBackend::add_session(const PlacedSession& spec) {
  const uint32_t index = sessions_.emplace();
  Session& s = sessions_[index];
  s.backend = this;
  s.on_fire = &SimBackend::on_session_timer;
  s.index = index;
  s.id = spec.session;
  s.save_slot = spec.save_slot;
  s.fresh_slot = spec.fresh_slot;
  s.server = spec.server;
  session_index_.insert(spec.session, index);
  return s;
}

void SimBackend::stop(const Id128& session) {
  Session* s = find(session);
  if (s == nullptr || s->state == State::kStopping) return;
  SessionFigures figures;  // zeros: a session that never ran used nothing and saved nothing
  if (s->state == State::kRunning) {
    const double seconds = static_cast<double>(now_ms_() - s->running_since_ms) / 1000.0;
    figures.cpu_seconds = options_.session_cpu_cores * seconds;
    figures.peak_memory_mb = options_.session_memory_mb;
    figures.save_bytes = s->save_bytes + options_.save_growth_bytes;
    set_saved(s->save_slot, figures.save_bytes);
  }
  const uint64_t stop_ms = s->state == State::kRunning ? options_.stop_ms : 0;
  leave_pull(*s);
  s->state = State::kStopping;
  s->figures = figures;
  timers_.arm(s, now_ms_() + stop_ms);
}

void SimBackend::vanish_server(uint32_t server) {
  if (server >= state_.size() || !state_[server].up) return;
  ServerState& st = state_[server];
  st.up = false;
  std::vector<Id128> gone;
  sessions_.for_each([&](uint32_t, Session& s) {
    if (s.server != server || s.state == State::kStopping) return;
    s.pull = kNone;  // its pull is erased below
    gone.push_back(s.id);
  });
  for (uint32_t& p : st.pull) {
    if (p == kNone) continue;
    timers_.cancel(&pulls_[p]);
    pulls_.erase(p);
    p = kNone;
  }
  std::fill(st.cached.begin(), st.cached.end(), 0);

  std::vector<uint64_t> warm_gone;
  for (auto& [id, w] : warms_) {
    if (w.server == server) warm_gone.push_back(id);
  }

  events_.on_server_health(server, false);
  for (const uint64_t id : warm_gone) {
    if (warms_.count(id) == 0) continue;  // retired by placement meanwhile
    drop_warm(id);
    events_.on_warm_gone(id);
  }
  // Looked up again one by one: an event handler may have stopped one of them meanwhile.
  for (const Id128& id : gone) {
    Session* s = find(id);
    if (s == nullptr || s->state == State::kStopping) continue;
    if (s->state == State::kRunning) {
      forget(*s);
      events_.on_lost(id, SessionError::kServerLost);
    } else {
      finish_failed(*s, SessionError::kServerLost);
    }
  }
}

void SimBackend::restore_server(uint32_t server) {
  if (server >= state_.size() || state_[server].up) return;
  state_[server].up = true;
  events_.on_server_health(server, true);
}

uint64_t SimBackend::saved_bytes(const Id128& slot) const {
  const uint64_t* bytes = saves_.find(slot);
  return bytes == nullptr ? 0 : *bytes;
}

uint32_t SimBackend::intern(std::string_view image) {
  const auto it = image_ids_.find(image);
  if (it != image_ids_.end()) return it->second;
  const auto id = static_cast<uint32_t>(image_ids_.size());
  image_ids_.emplace(std::string(image), id);
  image_names_.emplace_back(image);
  for (ServerState& s : state_) {
    s.cached.push_back(0);
    s.pull.push_back(kNone);
  }
  return id;
}

SimBackend::Session* SimBackend::find(const Id128& id) {
  const uint32_t* index = session_index_.find(id);
  return index == nullptr ? nullptr : &sessions_[*index];
}

uint32_t SimBackend::pull_for(uint32_t server, uint32_t image) {
  uint32_t& current = state_[server].pull[image];
  if (current == kNone) {
    current = pulls_.emplace();
    Pull& pull = pulls_[current];
    pull.backend = this;
    pull.on_fire = &SimBackend::on_pull_done;
    pull.index = current;
    pull.server = server;
    pull.image = image;
    ++pulls_started_;
    timers_.arm(&pull, now_ms_() + options_.pull_ms);
  }
  return current;
}

void SimBackend::join_pull(Session& s) {
  const uint32_t current = pull_for(s.server, s.image);
  pulls_[current].waiters.push_back(s.id);
  s.pull = current;
  s.state = State::kPulling;
  events_.on_phase(s.id, StartPhase::kPulling);
}

void SimBackend::begin_creating(Session& s) {
  s.state = State::kCreating;
  s.save_bytes = s.fresh_slot ? 0 : saved_bytes(s.save_slot);  // copied into the container
  timers_.arm(&s, now_ms_() + options_.start_ms);
  events_.on_phase(s.id, StartPhase::kCreating);
}

void SimBackend::fail_later(Session& s, SessionError error) {
  s.state = State::kFailing;
  s.error = error;
  timers_.arm(&s, now_ms_());
}

void SimBackend::finish_failed(Session& s, SessionError error) {
  const Id128 id = s.id;
  forget(s);
  events_.on_start_failed(id, error);
}

void SimBackend::forget(const Id128& session) {
  if (Session* s = find(session)) forget(*s);
}

void SimBackend::forget(Session& s) {
  timers_.cancel(&s);
  leave_pull(s);
  session_index_.erase(s.id);
  sessions_.erase(s.index);
}

void SimBackend::leave_pull(Session& s) {
  if (s.pull == kNone) return;
  std::erase(pulls_[s.pull].waiters, s.id);
  s.pull = kNone;
}

bool SimBackend::roll(double rate) {
  return rate > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < rate;
}

void SimBackend::set_saved(const Id128& slot, uint64_t bytes) {
  if (uint64_t* held = saves_.find(slot)) {
    *held = bytes;
  } else {
    saves_.insert(slot, bytes);
  }
}

void SimBackend::on_session_timer(TimerNode* node) {
  auto& s = *static_cast<Session*>(node);
  SimBackend& self = *s.backend;
  switch (s.state) {
    case State::kCreating:
      if (self.roll(self.options_.start_failure_rate)) {
        self.finish_failed(s, SessionError::kStartFailed);
      } else {
        s.state = State::kRunning;
        s.running_since_ms = self.now_ms_();
        self.events_.on_running(s.id);
      }
      return;
    case State::kFailing:
      self.finish_failed(s, s.error);
      return;
    case State::kNoRoom: {
      const Id128 id = s.id;
      self.forget(s);
      self.events_.on_no_room(id);
      return;
    }
    case State::kStopping: {
      const Id128 id = s.id;
      const SessionFigures figures = s.figures;
      self.forget(s);
      self.events_.on_stopped(id, figures);
      return;
    }
    case State::kPulling:
    case State::kRunning:
      return;  // no timer armed in these states
  }
}

void SimBackend::on_pull_done(TimerNode* node) {
  auto& pull = *static_cast<Pull*>(node);
  SimBackend& self = *pull.backend;
  const uint32_t server = pull.server;
  const uint32_t image = pull.image;
  const std::vector<Id128> waiters = std::move(pull.waiters);
  const bool prefetched = pull.prefetched;
  if (pull.answer_only) {
    self.pulls_.erase(pull.index);
    self.events_.on_prefetched(server, self.image_names_[image],
                               self.state_[server].up && self.state_[server].cached[image] != 0);
    return;
  }
  self.state_[server].pull[image] = kNone;
  self.pulls_.erase(pull.index);
  for (const Id128& id : waiters) {
    if (Session* s = self.find(id)) s->pull = kNone;
  }

  // One draw per pull: every waiter shares its fate. A failed pull leaves nothing cached.
  const bool failed = self.roll(self.options_.pull_failure_rate);
  if (!failed) self.state_[server].cached[image] = 1;
  if (prefetched) self.events_.on_prefetched(server, self.image_names_[image], !failed);
  for (const Id128& id : waiters) {
    Session* s = self.find(id);
    // Gone or stopping: an earlier event handler of this loop stopped it, or took the server.
    if (s == nullptr || s->state != State::kPulling) continue;
    if (failed) {
      self.finish_failed(*s, SessionError::kPullFailed);
    } else {
      self.begin_creating(*s);
    }
  }
}

}  // namespace ringside

namespace ringside {

void SimBackend::warm_create(WarmContainer warm) {
  const uint32_t image = intern(warm.image);
  Warm& w = warms_[warm.warm];
  w.backend = this;
  w.on_fire = &SimBackend::on_warm_timer;
  w.id = warm.warm;
  w.server = warm.server;
  w.image = image;
  const bool cached = warm.server < state_.size() && state_[warm.server].cached[image] != 0;
  timers_.arm(&w, now_ms_() + options_.start_ms + (cached ? 0 : options_.pull_ms));
}

void SimBackend::warm_retire(uint64_t warm) { drop_warm(warm); }

void SimBackend::forget_warm(uint64_t warm) { drop_warm(warm); }

void SimBackend::drop_warm(uint64_t id) {
  const auto it = warms_.find(id);
  if (it == warms_.end()) return;
  timers_.cancel(&it->second);
  warms_.erase(it);
}

void SimBackend::prefetch(uint32_t server, std::string_view image) {
  if (server >= state_.size()) return;
  const uint32_t id = intern(image);
  if (state_[server].up && state_[server].cached[id] == 0) {
    pulls_[pull_for(server, id)].prefetched = true;
    return;
  }
  // Already there (or the server gone): answered from the next turn of the loop.
  const uint32_t index = pulls_.emplace();
  Pull& answer = pulls_[index];
  answer.backend = this;
  answer.on_fire = &SimBackend::on_pull_done;
  answer.index = index;
  answer.server = server;
  answer.image = id;
  answer.answer_only = true;
  timers_.arm(&answer, now_ms_());
}

void SimBackend::on_warm_recovered_timer(TimerNode* node) {
  static_cast<WarmRecoveredTimer*>(node)->backend->events_.on_warm_recovered();
}

void SimBackend::on_warm_timer(TimerNode* node) {
  auto& w = *static_cast<Warm*>(node);
  SimBackend& self = *w.backend;
  const uint64_t id = w.id;
  if (w.server >= self.state_.size() || !self.state_[w.server].up) {
    self.drop_warm(id);
    self.events_.on_warm_gone(id);
    return;
  }
  self.state_[w.server].cached[w.image] = 1;  // pulled for it if it was not there
  w.ready = true;
  self.events_.on_warm_ready(id);
}

}  // namespace ringside

#include "backends/gameye/gameye_backend.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/log.h"

namespace ringside {
namespace {

// An id no session has: GET /session/{it} answers 404 to a good token and 401 to a bad one.
constexpr std::string_view kProbeId = "00000000-0000-4000-8000-000000000000";

// At most this many DELETEs per stop beyond its retries: one more when a launch may have
// started the session after the first DELETE found nothing.
constexpr uint32_t kMaxDeletes = 3;
// A session Gameye still lists as starting after a 409 is looked at this often at most.
constexpr uint32_t kMaxStartPolls = 30;

bool transient(long status) { return classify_launch(status) == LaunchAnswer::kTransient; }

// A DELETE's answer that leaves nothing running: stopped (2xx), already terminated (409) or
// unknown (404).
bool deleted(long status) {
  return (status >= 200 && status < 300) || status == 404 || status == 409;
}

}  // namespace

GameyeBackend::GameyeBackend(std::vector<GameServerInfo> servers, GameyeOptions options,
                             HttpClient& http, TimerWheel& timers, Clock now_ms,
                             BackendEvents& events, BackendMetrics& metrics,
                             std::unique_ptr<HttpClient> owned_http)
    : servers_(std::move(servers)),
      options_(std::move(options)),
      owned_http_(std::move(owned_http)),
      http_(http),
      timers_(timers),
      now_ms_(std::move(now_ms)),
      events_(events),
      metrics_(metrics),
      down_(servers_.size(), 0),
      cooling_(servers_.size()),
      rng_(options_.seed) {
  http_.count_calls(metrics_.requests[kBackendCallGameye][kBackendCallOk],
                    metrics_.requests[kBackendCallGameye][kBackendCallError]);
  while (!options_.base_url.empty() && options_.base_url.back() == '/') {
    options_.base_url.pop_back();
  }
  probe_timer_.backend = this;
  probe_timer_.on_fire = &GameyeBackend::on_probe_timer;
  listing_timer_.backend = this;
  listing_timer_.on_fire = &GameyeBackend::on_listing_timer;
  liveness_timer_.backend = this;
  liveness_timer_.on_fire = &GameyeBackend::on_liveness_timer;
  for (uint32_t i = 0; i < cooling_.size(); ++i) {
    cooling_[i].backend = this;
    cooling_[i].server = i;
    cooling_[i].on_fire = &GameyeBackend::on_cooled;
  }
  arm_liveness();
}

GameyeBackend::~GameyeBackend() {
  for (auto& [id, s] : sessions_) {
    timers_.cancel(s.get());
    http_.cancel(s->request);
    http_.cancel(s->delete_request);
  }
  for (const auto& [uuid, r] : detached_) http_.cancel(r);
  http_.cancel(probe_request_);
  http_.cancel(listing_request_);
  timers_.cancel(&probe_timer_);
  timers_.cancel(&listing_timer_);
  timers_.cancel(&liveness_timer_);
  for (CoolDown& c : cooling_) timers_.cancel(&c);
}

void GameyeBackend::start(PlacedSession spec) {
  if (sessions_.count(spec.session) != 0) {
    log_error("gameye_duplicate_start").kv("session", spec.session_id_text);
    return;
  }
  const uint32_t server = spec.server;
  Session& s = add_session(std::move(spec), server);
  s.uuid = gameye_session_uuid(s.id, 0);
  if (server >= servers_.size()) {
    fail_later(s, SessionError::kServerLost);
    return;
  }
  if (down_[server]) {
    fail_later(s, SessionError::kBackendUnavailable);
    return;
  }
  events_.on_phase(s.id, StartPhase::kCreating);
  send_launch(s);
}

void GameyeBackend::stop(const Id128& session) {
  Session* s = find(session);
  if (s == nullptr || s->state == State::kStopping) return;
  timers_.cancel(s);
  if (s->state == State::kFailing) {
    // Nothing was sent for it: it ends as stopped, from the timer.
    s->state = State::kStopping;
    s->gone = true;
    timers_.arm(s, now_ms_());
    return;
  }
  if (s->state == State::kDescribing) {  // a look without effect: no longer needed
    http_.cancel(s->request);
    s->request = 0;
  }
  // A POST in flight (kLaunching) is let finish: its answer tells whether to DELETE again.
  s->state = State::kStopping;
  s->retries = 0;
  log_info("gameye_stop").kv("session", s->id_text).kv("gameye_id", s->uuid);
  send_delete(*s);
}

void GameyeBackend::recover(std::vector<PlacedSession> sessions) {
  // Called again for each partition a cluster node acquires, also while an earlier batch's
  // listing is under way: each batch waits for a listing asked for after it came.
  recovery_listing_ = listings_sent_ + 1;
  for (PlacedSession& r : sessions) recovering_.push_back({std::move(r), recovery_listing_});
  // A recovery listing under way (or its retry armed) lists again for this batch if it must.
  if (listing_for_ == Listing::kRecovery) return;
  // Recovery's listing replaces a liveness check's, should one be under way.
  http_.cancel(listing_request_);
  listing_request_ = 0;
  timers_.cancel(&listing_timer_);
  listing_for_ = Listing::kRecovery;
  listing_retries_ = 0;
  send_listing();
}

std::optional<Endpoint> GameyeBackend::endpoint(const Id128& session) const {
  const auto it = sessions_.find(session);
  if (it == sessions_.end() || it->second->state != State::kRunning) return std::nullopt;
  return it->second->endpoint;
}

GameyeBackend::Session& GameyeBackend::add_session(PlacedSession&& spec, uint32_t server) {
  auto owned = std::make_unique<Session>();
  Session& s = *owned;
  sessions_.emplace(spec.session, std::move(owned));
  s.backend = this;
  s.on_fire = &GameyeBackend::on_session_timer;
  s.id = spec.session;
  s.id_text = std::move(spec.session_id_text);
  s.player = std::move(spec.player_id);
  s.game = std::move(spec.game_slug);
  s.image = std::move(spec.image);
  s.save_dir = std::move(spec.save_dir);
  s.save_slot = std::move(spec.save_slot_text);
  s.fresh_slot = spec.fresh_slot;
  s.server = server;
  s.first_server = server;
  return s;
}

GameyeBackend::Session* GameyeBackend::find(const Id128& id) {
  const auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

HttpRequest GameyeBackend::request(std::string_view method, const std::string& path,
                                   std::string body) const {
  HttpRequest r;
  r.method = std::string(method);
  r.url = options_.base_url + path;
  r.headers = {"Authorization: Bearer " + options_.token, "Accept: application/json"};
  if (!body.empty()) r.headers.emplace_back("Content-Type: application/json");
  r.body = std::move(body);
  r.timeout_ms = options_.timeout_ms;
  return r;
}

HttpClient::RequestId GameyeBackend::send(Session& s, Call call) {
  HttpRequest r;
  if (call == Call::kLaunch) {
    const auto [image, version] = split_image_tag(s.image);
    LaunchFields f;
    f.id = s.uuid;
    f.location = servers_[s.server].name;
    f.image = image;
    f.version = version;
    f.env = {{"RINGSIDE_SESSION", s.id_text},
             {"RINGSIDE_SAVE_SLOT", s.save_slot},
             {"RINGSIDE_SAVE_FRESH", s.fresh_slot ? "1" : "0"},
             {"RINGSIDE_SAVE_DIR", s.save_dir}};
    f.labels = {{kFleetLabel, options_.fleet},
                {kSessionLabel, s.id_text},
                {kPlayerLabel, s.player},
                {kGameLabel, s.game}};
    r = request("POST", "/session", launch_body(f));
  } else {
    r = request(call == Call::kDelete ? "DELETE" : "GET", "/session/" + s.uuid);
  }
  const Id128 id = s.id;
  return http_.send(std::move(r), [this, id, call](HttpResponse&& response) {
    on_answer(id, call, std::move(response));
  });
}

void GameyeBackend::send_launch(Session& s) {
  s.state = State::kLaunching;
  s.request = send(s, Call::kLaunch);
}

void GameyeBackend::send_describe(Session& s) {
  s.state = State::kDescribing;
  s.request = send(s, Call::kDescribe);
}

void GameyeBackend::send_delete(Session& s) {
  ++s.deletes;
  s.launch_landed_after_delete = false;
  s.delete_request = send(s, Call::kDelete);
}

void GameyeBackend::on_answer(const Id128& id, Call call, HttpResponse&& response) {
  Session* s = find(id);
  if (s == nullptr) return;
  if (call == Call::kDelete) {
    s->delete_request = 0;
    on_delete_answer(*s, response);
    return;
  }
  s->request = 0;
  if (s->state == State::kStopping) {
    // A launch answered while its stop was under way: did it (maybe) start the session?
    if (call == Call::kLaunch) {
      const LaunchAnswer a = classify_launch(response.status);
      if (a == LaunchAnswer::kStarted || a == LaunchAnswer::kIdTaken ||
          a == LaunchAnswer::kTransient) {
        s->launch_landed_after_delete = true;
      }
    }
    continue_stop(*s);
    return;
  }
  if (call == Call::kLaunch) {
    on_launch_answer(*s, response);
  } else {
    on_describe_answer(*s, response);
  }
}

void GameyeBackend::on_launch_answer(Session& s, const HttpResponse& response) {
  const LaunchAnswer answer = classify_launch(response.status);
  switch (answer) {
    case LaunchAnswer::kStarted: {
      std::optional<Endpoint> endpoint = parse_launch_answer(response.body);
      mark_running(s, endpoint.value_or(Endpoint{}));
      return;
    }
    case LaunchAnswer::kUnauthorized:
      unauthorized(s.server, "launch");
      finish_failed(s, SessionError::kBackendUnavailable);
      return;
    case LaunchAnswer::kNotFound:
      log_warn("gameye_launch_not_found")
          .kv("session", s.id_text)
          .kv("image", s.image)
          .kv("location", servers_[s.server].name);
      finish_failed(s, SessionError::kImageNotFound);
      return;
    case LaunchAnswer::kIdTaken:
      // Ours if we sent it before (a timeout, a restart) — GET tells, and where it runs.
      s.retries = 0;
      send_describe(s);
      return;
    case LaunchAnswer::kFailed:
      // "Cannot be started in the provided location currently": capacity, as the player sees
      // it once no location is left. Down first, so that the slot this launch leaves there
      // is not handed straight to the next launch in the queue.
      cool_down(s.server);
      failed_start(s, SessionError::kNoServers);
      return;
    case LaunchAnswer::kRefused:
      log_error("gameye_launch_refused")
          .kv("session", s.id_text)
          .kv("field", first_violation(response.body));
      finish_failed(s, SessionError::kStartFailed);
      return;
    case LaunchAnswer::kTransient:
      if (retry_later(s, Call::kLaunch)) {
        log_warn("gameye_launch_retry")
            .kv("session", s.id_text)
            .kv("gameye_id", s.uuid)
            .kv("status", static_cast<int64_t>(response.status))
            .kv("error", response.error)
            .kv("retry", s.retries);
        return;
      }
      log_error("gameye_launch_gave_up").kv("session", s.id_text).kv("gameye_id", s.uuid);
      // It may have started without us hearing of it: leave nothing behind.
      delete_detached(s.uuid, "launch_gave_up");
      finish_failed(s, SessionError::kStartFailed);
      return;
    case LaunchAnswer::kRejected:
      log_error("gameye_launch_rejected")
          .kv("session", s.id_text)
          .kv("status", static_cast<int64_t>(response.status));
      finish_failed(s, SessionError::kStartFailed);
      return;
  }
}

void GameyeBackend::on_describe_answer(Session& s, const HttpResponse& response) {
  if (response.status == 401) {
    unauthorized(s.server, "describe");
    finish_failed(s, SessionError::kBackendUnavailable);
    return;
  }
  std::optional<ListedSession> described;
  if (response.status == 200) described = parse_described_session(response.body);
  if (!described) {
    // 404 right after a 409, a 5xx or a timeout: look again, as for a launch.
    if (retry_later(s, Call::kDescribe)) return;
    log_error("gameye_describe_gave_up").kv("session", s.id_text).kv("gameye_id", s.uuid);
    delete_detached(s.uuid, "describe_gave_up");
    finish_failed(s, SessionError::kStartFailed);
    return;
  }
  // The id is ringside's by construction (the session's 128 random bits): a 409 on it is this
  // session's own launch, heard again. Only labels naming another session say otherwise; labels
  // in a shape not read here (session_label "") do not.
  if (!described->session_label.empty() && described->session_label != s.id_text) {
    log_error("gameye_id_conflict")
        .kv("session", s.id_text)
        .kv("gameye_id", s.uuid)
        .kv("labelled", described->session_label);
    finish_failed(s, SessionError::kStartFailed);
    return;
  }
  if (described->status == "running") {
    log_info("gameye_launch_found")
        .kv("session", s.id_text)
        .kv("gameye_id", s.uuid)
        .kv("label", described->session_label.empty() ? "unread" : "matches");
    mark_running(s, described->endpoint);
  } else if (!gameye_status_live(described->status)) {
    failed_start(s, SessionError::kStartFailed);
  } else if (s.retries < kMaxStartPolls) {
    ++s.retries;  // still starting at Gameye: look again after a while
    s.state = State::kWaiting;
    s.next = Call::kDescribe;
    timers_.arm(&s, now_ms_() + options_.retry_cap_ms / 4 + options_.retry_base_ms);
  } else {
    log_error("gameye_start_stuck").kv("session", s.id_text).kv("status", described->status);
    delete_detached(s.uuid, "start_stuck");
    finish_failed(s, SessionError::kStartFailed);
  }
}

void GameyeBackend::on_delete_answer(Session& s, const HttpResponse& response) {
  const long status = response.status;
  if ((status >= 200 && status < 300) || status == 409) {
    s.gone = true;  // stopped now, or already terminated
  } else if (status == 404) {
    s.gone = false;  // not there (yet?): continue_stop() decides
  } else if (transient(status) && s.retries < options_.retries) {
    log_warn("gameye_stop_retry")
        .kv("session", s.id_text)
        .kv("status", static_cast<int64_t>(status))
        .kv("error", response.error);
    ++s.retries;
    s.next = Call::kDelete;
    timers_.arm(&s, now_ms_() + retry_delay_ms(s.retries, options_.retry_base_ms,
                                               options_.retry_cap_ms, rng_()));
    return;
  } else {
    if (status == 401) unauthorized(s.server, "stop");
    log_error("gameye_stop_failed")
        .kv("session", s.id_text)
        .kv("gameye_id", s.uuid)
        .kv("status", static_cast<int64_t>(status))
        .kv("error", response.error);
    // The player's session ends here (they asked to stop; they must not wait on Gameye); the
    // DELETE stays owed, counted in /metrics, and is sent again until Gameye confirms.
    owe_delete(s.uuid);
    s.gone = true;
  }
  continue_stop(s);
}

bool GameyeBackend::retry_later(Session& s, Call call) {
  if (s.retries >= options_.retries) return false;
  ++s.retries;
  s.state = State::kWaiting;
  s.next = call;
  timers_.arm(&s, now_ms_() + retry_delay_ms(s.retries, options_.retry_base_ms,
                                             options_.retry_cap_ms, rng_()));
  return true;
}

void GameyeBackend::failed_start(Session& s, SessionError if_none_left) {
  const uint32_t refused_in = s.server;
  const uint32_t next =
      s.relaunchable && s.attempt + 1 < kMaxStartAttempts ? next_location(s) : kNoLocation;
  if (next == kNoLocation) {
    log_warn("gameye_start_failed")
        .kv("session", s.id_text)
        .kv("gameye_id", s.uuid)
        .kv("location", servers_[refused_in].name)
        .kv("attempts", s.attempt + 1);
    finish_failed(s, if_none_left);
    return;
  }
  // Gameye never reuses an id, not even a failed one: the next attempt goes under the next.
  s.server = next;
  s.attempt += 1;
  s.uuid = gameye_session_uuid(s.id, s.attempt);
  s.retries = 0;
  log_info("gameye_start_failed_retry")
      .kv("session", s.id_text)
      .kv("gameye_id", s.uuid)
      .kv("refused_in", servers_[refused_in].name)
      .kv("location", servers_[next].name);
  s.state = State::kWaiting;
  s.next = Call::kLaunch;
  timers_.arm(&s,
              now_ms_() + retry_delay_ms(1, options_.retry_base_ms, options_.retry_cap_ms, rng_()));
  events_.on_relocated(s.id, next);  // last: placement may start queued launches from here
}

uint32_t GameyeBackend::next_location(const Session& s) const {
  const auto count = static_cast<uint32_t>(servers_.size());
  for (uint32_t step = 1; step < count; ++step) {
    const uint32_t server = (s.server + step) % count;
    if (server == s.first_server) break;
    if (has_room(server)) return server;
  }
  return kNoLocation;
}

bool GameyeBackend::has_room(uint32_t server) const {
  if (down_[server] || cooling_[server].armed()) return false;
  size_t here = 0;
  for (const auto& [id, s] : sessions_) here += s->server == server ? 1 : 0;
  return here < servers_[server].slots;
}

void GameyeBackend::unauthorized(uint32_t server, std::string_view during) {
  if (server >= servers_.size() || down_[server]) return;
  // Loud and once: the token is the account's, so every location fails the same way (and
  // with none up, /readyz says not ready). The probe brings them all back.
  log_error("gameye_unauthorized")
      .kv("location", servers_[server].name)
      .kv("during", during)
      .kv("hint", "check --gameye-token-file");
  for (uint32_t i = 0; i < servers_.size(); ++i) {
    if (down_[i]) continue;
    down_[i] = 1;
    events_.on_server_health(i, false);
  }
  arm_probe();
}

void GameyeBackend::cool_down(uint32_t server) {
  const bool was_cooling = cooling_[server].armed();
  timers_.arm(&cooling_[server], now_ms_() + options_.refused_cooldown_ms);
  log_info("gameye_location_cooling")
      .kv("location", servers_[server].name)
      .kv("for_ms", options_.refused_cooldown_ms);
  if (!was_cooling) events_.on_server_refusing(server, true);
}

void GameyeBackend::mark_running(Session& s, const Endpoint& endpoint) {
  s.state = State::kRunning;
  s.running_since_listing = listings_sent_;
  s.endpoint = endpoint;
  log_info("gameye_session_running")
      .kv("session", s.id_text)
      .kv("gameye_id", s.uuid)
      .kv("host", endpoint.host)
      .kv("port", unsigned{endpoint.port});
  report_running(s);
}

void GameyeBackend::report_running(const Session& s) {
  if (!s.endpoint.host.empty()) {
    std::string url;
    url.append("http://").append(s.endpoint.host);
    if (s.endpoint.port != 0) url.append(":").append(std::to_string(s.endpoint.port));
    events_.on_session_url(s.id, url);
  }
  events_.on_running(s.id);
}

void GameyeBackend::fail_later(Session& s, SessionError error) {
  s.state = State::kFailing;
  s.error = error;
  timers_.arm(&s, now_ms_());
}

void GameyeBackend::continue_stop(Session& s) {
  if (s.delete_request != 0 || s.armed()) return;
  if (s.gone) {
    http_.cancel(s.request);  // a POST still in flight no longer matters
    s.request = 0;
    finish_stopped(s);
    return;
  }
  if (s.request != 0) return;  // the launch's answer decides whether to DELETE again
  if (s.launch_landed_after_delete && s.deletes < kMaxDeletes) {
    send_delete(s);
    return;
  }
  finish_stopped(s);
}

void GameyeBackend::finish_failed(Session& s, SessionError error) {
  const Id128 id = s.id;
  erase(s);
  events_.on_start_failed(id, error);
}

void GameyeBackend::finish_stopped(Session& s) {
  const Id128 id = s.id;
  log_info("gameye_session_stopped").kv("session", s.id_text).kv("gameye_id", s.uuid);
  erase(s);
  // Gameye's API has no per-session CPU or memory figures: unknown, not zero. Save data is
  // the game's own business (it has the slot in its env), so nothing was persisted here.
  SessionFigures figures;
  figures.cpu_seconds = std::numeric_limits<double>::quiet_NaN();
  figures.peak_memory_mb = std::numeric_limits<double>::quiet_NaN();
  events_.on_stopped(id, figures);
}

void GameyeBackend::forget(const Id128& session) {
  // No DELETE, now or later: the session runs on for the partition's next owner. Its calls in
  // flight are abandoned (a POST may still land; the next owner's listing finds it), and a
  // relocation's timer with them. Waiting for recovery's listing: never reported.
  if (Session* s = find(session)) {
    log_info("gameye_session_forgotten").kv("session", s->id_text).kv("gameye_id", s->uuid);
    erase(*s);
    return;
  }
  std::erase_if(recovering_, [&](const Recovering& r) { return r.session.session == session; });
}

void GameyeBackend::erase(Session& s) {
  timers_.cancel(&s);
  http_.cancel(s.request);
  http_.cancel(s.delete_request);
  sessions_.erase(s.id);
}

void GameyeBackend::delete_detached(const std::string& uuid, std::string_view why) {
  if (detached_.count(uuid) != 0) return;  // one under way already
  log_info("gameye_cleanup").kv("gameye_id", uuid).kv("why", why);
  detached_[uuid] =
      http_.send(request("DELETE", "/session/" + uuid), [this, uuid](HttpResponse&& response) {
        detached_.erase(uuid);
        on_detached_answer(uuid, response);
      });
}

void GameyeBackend::on_detached_answer(const std::string& uuid, const HttpResponse& response) {
  if (deleted(response.status)) {
    settle_delete(uuid, "delete");
    return;
  }
  log_warn("gameye_cleanup_failed")
      .kv("gameye_id", uuid)
      .kv("status", static_cast<int64_t>(response.status))
      .kv("error", response.error);
  owe_delete(uuid);
}

void GameyeBackend::arm_probe() {
  if (!probe_timer_.armed() && probe_request_ == 0) {
    timers_.arm(&probe_timer_, now_ms_() + options_.probe_ms);
  }
}

void GameyeBackend::probe() {
  probe_request_ = http_.send(request("GET", "/session/" + std::string(kProbeId)),
                              [this](HttpResponse&& response) {
                                probe_request_ = 0;
                                if (response.status == 200 || response.status == 404) {
                                  log_info("gameye_authorized_again");
                                  for (uint32_t i = 0; i < servers_.size(); ++i) {
                                    if (!down_[i]) continue;
                                    down_[i] = 0;
                                    events_.on_server_health(i, true);
                                  }
                                  return;
                                }
                                arm_probe();
                              });
}

void GameyeBackend::on_session_timer(TimerNode* node) {
  Session& s = *static_cast<Session*>(node);
  GameyeBackend& self = *s.backend;
  switch (s.state) {
    case State::kFailing:
      self.finish_failed(s, s.error);
      return;
    case State::kStopping:
      if (s.gone && s.delete_request == 0 && s.request == 0) {
        self.finish_stopped(s);
      } else {
        self.send_delete(s);  // a DELETE retry
      }
      return;
    case State::kWaiting:
      if (s.next == Call::kLaunch) {
        self.send_launch(s);
      } else {
        self.send_describe(s);
      }
      return;
    default:
      return;
  }
}

void GameyeBackend::on_cooled(TimerNode* node) {
  const CoolDown& c = *static_cast<CoolDown*>(node);
  GameyeBackend& self = *c.backend;
  log_info("gameye_location_cooled").kv("location", self.servers_[c.server].name);
  self.events_.on_server_refusing(c.server, false);
}

void GameyeBackend::on_probe_timer(TimerNode* node) {
  static_cast<OwnerTimer*>(node)->backend->probe();
}

}  // namespace ringside

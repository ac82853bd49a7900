#include "sched/session_placement.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/log.h"
#include "model/ids.h"
#include "model/messages.h"
#include "model/partition.h"

namespace ringside {
namespace {

// What is known of a session that never ran: it used nothing and saved nothing.
constexpr SessionFigures kNeverRan{};
// What is known of a session lost or unknown: nothing (NaN, never a made-up zero).
constexpr SessionFigures kUnknownFigures{std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::quiet_NaN(), 0};

// What the time from placed to running is taken to be before one is seen: the simulated start
// as configured, else a container start on a cached image (docs/queue.md).
constexpr double kDefaultStartMs = 10'000;
constexpr double kStartWeight = 0.2;  // of the newest start, in the EWMA

uint64_t seconds_to_ms(double seconds) {
  return seconds > 0 ? static_cast<uint64_t>(std::llround(seconds * 1000)) : 0;
}

}  // namespace

SessionPlacement::SessionPlacement(const Runtime& runtime, PlacementMetrics& metrics,
                                   std::atomic<bool>& launches_accepted, Mailbox& mailbox,
                                   TimerWheel& timers, Clock now_ms)
    : runtime_(runtime),
      launches_accepted_(launches_accepted),
      mailbox_(mailbox),
      timers_(timers),
      now_ms_(std::move(now_ms)),
      queue_capacity_(runtime.config.launch_queue),
      queue_timeout_ms_(seconds_to_ms(runtime.config.launch_queue_timeout_s)),
      scheduler_(queue_capacity_),
      metrics_(metrics),
      start_ms_(runtime.config.backend == "sim" ? runtime.config.sim_start_ms : kDefaultStartMs) {
  for (const GameServerInfo& s : runtime.servers) {
    ServerState state;
    state.name = s.name;
    state.cpu_capacity_millicores = s.cpu_millicores;
    state.memory_capacity_mb = s.memory_mb;
    state.slot_capacity = s.slots;
    scheduler_.add_server(std::move(state));
  }
  for (const Game& game : runtime.catalog.games()) {
    game_image_.push_back(intern_image(game.image));
    ResourceProfile profile;
    profile.cpu_cores = game.cpu_cores;
    profile.memory_mb = game.memory_mb;
    profiles_.push_back(profile);
  }
  drains_.resize(scheduler_.server_count());
  for (uint32_t s = 0; s < drains_.size(); ++s) {
    drains_[s].placement = this;
    drains_[s].server = s;
    drains_[s].on_fire = &SessionPlacement::on_drain_timer;
  }
  mailbox_.set_handler<&SessionPlacement::on_place_session>(this);
  mailbox_.set_handler<&SessionPlacement::on_stop_session>(this);
  init_warm();
  publish_queue();
}

SessionPlacement::~SessionPlacement() {
  launches_.for_each([this](uint32_t, Launch& l) { timers_.cancel(&l); });
  for (DrainTimer& d : drains_) timers_.cancel(&d);
  timers_.cancel(&refill_timer_);
  timers_.cancel(&warm_tick_);
}

void SessionPlacement::attach(Backend& backend) {
  backend_ = &backend;
  for (uint32_t s = 0; s < scheduler_.server_count(); ++s) sync_images(s);
  if (warm_games_ != 0) arm_refill();
}

void SessionPlacement::recover(const std::vector<ActiveSession>& active) {
  std::vector<PlacedSession> adopt;
  for (const ActiveSession& a : active) {
    const LoadedSession& s = a.session;
    const bool starting = s.status == SessionStatus::kStarting;
    // A start sent back to the queue (on_no_room) has its row written queued, but the store
    // keeps the server its earlier kCreating recorded (a status write never clears it): it
    // holds nothing of it there, and a create on another server may have followed.
    const bool has_server = s.has_server && !(starting && s.phase == StartPhase::kQueued);
    // A start cut short may have left a game that runs: the backend's to judge, where the
    // store knows its server (recorded at kCreating) or the backend can find it without one.
    const bool judged_by_backend = has_server || (starting && backend_->recovers_unplaced_starts());
    if (!judged_by_backend || s.game >= game_image_.size()) {
      const SessionError error = starting ? SessionError::kStartFailed : SessionError::kServerLost;
      mailbox_.send(a.owner_shard, SessionFailed{s.id, error});
      continue;
    }
    Launch& l = add_launch(s.id, s.slot, s.player_id, s.game, a.owner_shard);
    l.session_owner = s.owner;
    l.slot_owner = s.slot_owner;
    l.state = State::kStarting;  // until the backend reports it running (adopted) or lost
    if (has_server) {
      l.server = s.server;
      l.reserved =
          scheduler_.adopt(l.index, game_image_[s.game], profiles_[s.game], s.server).reserved;
    }  // else reserved where on_relocated says it runs
    l.ran = !starting;
    l.recovering = true;
    l.adopted = l.ran;  // a start adopted goes through the start's own CPU read
    l.running_since_ms = now_ms_();

    PlacedSession r = placed_session(l, has_server ? s.server : kUnknownServer);
    r.was_running = !starting;
    r.was_stopping = s.status == SessionStatus::kStopping;
    adopt.push_back(std::move(r));
  }
  log_info("sessions_recovering")
      .kv("adopting", adopt.size())
      .kv("failed", active.size() - adopt.size());
  // The first one finds the warm containers that outlived the restart: the pools wait for them
  // (on_warm_recovered), which may come from inside the backend's recover().
  if (warm_recovery_ == WarmRecovery::kNotAsked) {
    warm_recovery_ = backend_->supports_warm() ? WarmRecovery::kWaiting : WarmRecovery::kDone;
    warm_recovery_since_ms_ = now_ms_();
  }
  backend_->recover(std::move(adopt));
  // A drain whose deadline passed before this node held them (it restarted, or took their
  // partition over) stops them now.
  stop_on_drained();
  publish_queue();
}

size_t SessionPlacement::forget_partition(uint16_t partition) {
  std::vector<uint32_t> gone;
  launches_.for_each([&](uint32_t index, Launch& l) {
    if (l.state != State::kEnded && partition_of_player(l.player_id) == partition) {
      gone.push_back(index);
    }
  });
  // Its queued launches leave the queue first: nothing of the partition may be placed while
  // the rest of it is forgotten (a backend may report foreign use from inside forget()).
  for (uint32_t index : gone) {
    if (launches_[index].state == State::kQueued) scheduler_.cancel(index);
  }
  std::vector<Placement> placed;
  for (uint32_t index : gone) {
    Launch& l = launches_[index];
    timers_.cancel(&l);
    // Given to the backend (placed, or handed to recover): it lets go of it without a stop.
    // Before the release below, so that a backend that sees what runs on the server (Docker)
    // reports it foreign (on_server_foreign, from inside forget()) before the queue is drained
    // into its room.
    if (l.state != State::kQueued) backend_->forget(l.session);
    by_session_.erase(l.session);
    --active_;
    const uint32_t server = std::exchange(l.server, kNoServer);
    const Reservation reserved = l.reserved;
    launches_.erase(index);
    // Its capacity is the new owner's to count now; what the queue places in it starts.
    if (server != kNoServer) scheduler_.release(server, reserved, placed);
  }
  start_placed(placed);
  forget_warm_partition(partition);
  publish_queue();
  return gone.size();
}

void SessionPlacement::restore_profiles(const std::vector<LoadedProfile>& profiles) {
  for (const LoadedProfile& p : profiles) {
    if (p.game >= profiles_.size()) continue;
    ResourceProfile& r = profiles_[p.game];
    if (p.cpu_samples > 0 && std::isfinite(p.cpu_cores)) r.cpu_cores = p.cpu_cores;
    if (p.memory_samples > 0 && std::isfinite(p.memory_mb)) r.memory_mb = p.memory_mb;
    r.cpu_samples = p.cpu_samples;
    r.memory_samples = p.memory_samples;
  }
  bound_profiles();
}

bool SessionPlacement::on_place_session(uint32_t from, const PlaceSession& m) {
  if (from >= runtime_.shard_count() || m.owner_shard != from) return false;
  if (serves_ && !serves_(partition_of_player(m.player_id))) {
    log_warn("place_session_not_served").kv("shard", unsigned{m.owner_shard});
    return true;
  }
  if (find(m.session) != nullptr) {
    log_error("place_session_duplicate").kv("shard", unsigned{m.owner_shard});
    return true;
  }
  Launch& l = add_launch(m.session, m.save_slot, m.player_id, m.game, m.owner_shard);
  l.session_owner = m.session_owner;
  l.slot_owner = m.slot_owner;
  l.fresh_slot = m.fresh_slot;

  if (m.game >= game_image_.size()) {
    log_error("place_session_unknown_game").kv("game", unsigned{m.game});
    end_failed(l, SessionError::kImageNotFound, kNeverRan);
    return true;
  }
  ++warm_.game(m.game).launches;  // pre-pull and auto size count them
  if (warm_.ready(m.game) != 0 && take_warm(l)) return true;
  place(l);
  return true;
}

Scheduler::Outcome SessionPlacement::place(Launch& launch) {
  Placement placed{};
  uint32_t ticket = 0;
  const bool was_empty = scheduler_.queued() == 0;
  const Scheduler::Outcome outcome = scheduler_.submit(
      {launch.index, game_image_[launch.game], profiles_[launch.game]}, &placed, &ticket);
  switch (outcome) {
    case Scheduler::Outcome::kPlaced:
      metrics_.placed.add();
      start(launch, placed);
      break;
    case Scheduler::Outcome::kQueued:
      metrics_.queued.add();
      launch.state = State::kQueued;
      launch.queued_ms = now_ms_();
      if (was_empty) departures_.queue_filled(launch.queued_ms);
      timers_.arm(&launch, launch.queued_ms + queue_timeout_ms_);
      break;
    case Scheduler::Outcome::kRejected:
      metrics_.rejected.add();
      end_failed(launch, SessionError::kNoServers, kNeverRan);
      break;
  }
  publish_queue();
  // After the publication: the shard that reads the ticket sees a head at least this new. The
  // server only passes the shard's range check: it is neither shown nor stored while queued.
  if (outcome == Scheduler::Outcome::kQueued) {
    mailbox_.send(launch.owner_shard,
                  SessionPhaseUpdate{launch.session, StartPhase::kQueued, 0, ticket});
    // A warm container never keeps a launch waiting: one that holds the room it needs goes now.
    if (!warm_.empty()) give_way(true);
  }
  return outcome;
}

bool SessionPlacement::on_stop_session(uint32_t from, const StopSession& m) {
  if (from >= runtime_.shard_count()) return false;
  Launch* l = find(m.session);
  if (l == nullptr) {
    mailbox_.send(from, SessionStopped{m.session, kUnknownFigures});
    return true;
  }
  if (l->owner_shard != from) return false;
  switch (l->state) {
    case State::kQueued:
      scheduler_.cancel(l->index);
      end_stopped(*l, kNeverRan);
      publish_queue();
      return true;
    case State::kStarting:
    case State::kRunning:
      if (l->recovering) {
        l->stop_after_recovery = true;
        return true;
      }
      l->state = State::kStopping;
      l->stop_requested_ms = now_ms_();
      backend_->stop(l->session);
      return true;
    case State::kStopping:
      return true;  // its final message is on the way
    case State::kEnded:
      mailbox_.send(l->owner_shard, SessionStopped{l->session, l->figures});
      return true;
  }
  return true;  // not reached: every state is a case
}

void SessionPlacement::on_phase(const Id128& session, StartPhase phase) {
  Launch* l = find(session);
  if (l == nullptr || l->state != State::kStarting) return;
  if (phase == StartPhase::kPulling) l->pulled = true;
  mailbox_.send(l->owner_shard, SessionPhaseUpdate{session, phase, l->server});
}

void SessionPlacement::on_session_url(const Id128& session, std::string_view server_url) {
  Launch* l = find(session);
  if (l == nullptr || l->state == State::kEnded || server_url.size() > SessionUrl::kMaxUrlBytes)
    return;
  mailbox_.send(l->owner_shard, SessionUrl{session, server_url});
}

void SessionPlacement::on_relocated(const Id128& session, uint32_t server) {
  Launch* l = find(session);
  if (l == nullptr || l->state == State::kQueued || l->state == State::kEnded ||
      server >= scheduler_.server_count() || l->server == server) {
    return;
  }
  // Held where it is now, whether or not it fits: the backend chose it for having room.
  const uint32_t from = std::exchange(l->server, server);
  const Reservation held = l->reserved;
  l->reserved =
      scheduler_.adopt(l->index, game_image_[l->game], profiles_[l->game], server).reserved;
  log_info("session_relocated")
      .kv("session", id_to_string(IdKind::kSession, l->session_owner, session))
      .kv("server", scheduler_.server(server).name)
      .kv("from", from == kNoServer ? std::string_view("none")
                                    : std::string_view(scheduler_.server(from).name));
  // Found on a server drained before it was known to run there (a start recovered without
  // its server): stopped now, as recover() stops those whose server it knew.
  if (drains_[server].fired && (l->state == State::kStarting || l->state == State::kRunning) &&
      !l->stop_after_recovery) {
    mailbox_.send(l->owner_shard, StopForReason{l->session, EndReason::kServerDrained});
  }
  if (from == kNoServer) return;
  std::vector<Placement> placed;
  scheduler_.release(from, held, placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::on_running(const Id128& session) {
  Launch* l = find(session);
  if (l == nullptr || (l->state != State::kStarting && l->state != State::kStopping)) return;
  l->ran = true;
  l->running_since_ms = now_ms_();
  // A start this process saw from its placement; one recovered or adopted is not told.
  const bool seen = !l->recovering && !l->adopted && l->placed_ms != 0;
  if (seen && !l->took_warm) {  // the cold starts' time, what a warm pool is sized against
    const double took = static_cast<double>(l->running_since_ms - l->placed_ms);
    start_ms_ += kStartWeight * (took - start_ms_);
  }
  const StartKind kind = !seen          ? StartKind::kUnknown
                         : l->took_warm ? StartKind::kWarm
                         : l->pulled    ? StartKind::kPulled
                                        : StartKind::kCached;
  if (std::exchange(l->recovering, false) && l->stop_after_recovery) {
    // Adopted after a restart, and stopped meanwhile: the stop goes to the backend now.
    l->state = State::kStopping;
    l->stop_requested_ms = now_ms_();
    backend_->stop(l->session);
    return;
  }
  // Stopping: it came up before the backend took the stop; the shard hears of the stop only.
  if (l->state == State::kStopping) return;
  l->state = State::kRunning;
  switch (kind) {
    case StartKind::kWarm:
      metrics_.started_warm.add();
      break;
    case StartKind::kPulled:
      metrics_.started_pulled.add();
      break;
    case StartKind::kCached:
      metrics_.started_cached.add();
      break;
    case StartKind::kUnknown:
      break;
  }
  mailbox_.send(l->owner_shard, SessionRunning{session, l->server, kind});
}

void SessionPlacement::on_start_failed(const Id128& session, SessionError error) {
  Launch* l = find(session);
  if (l == nullptr || (l->state != State::kStarting && l->state != State::kStopping)) return;
  metrics_.failed.add();
  // The scheduler counted the image as on its way to the server; a failed pull left it out.
  if (error == SessionError::kPullFailed) sync_image(l->server, game_image_[l->game]);
  end_failed(*l, error, l->ran ? kUnknownFigures : kNeverRan);
  release(*l);
}

void SessionPlacement::on_stopped(const Id128& session, const SessionFigures& figures) {
  Launch* l = find(session);
  if (l == nullptr || l->state == State::kQueued || l->state == State::kEnded) return;
  if (l->ran && !l->adopted) learn(*l, figures);
  end_stopped(*l, figures);
  release(*l);
}

void SessionPlacement::learn(const Launch& launch, const SessionFigures& figures) {
  // The window the CPU figure covers: from running to the stop request, unless the backend
  // measured it up to another moment. Running reported after the stop request: no window.
  const uint64_t end = launch.state == State::kStopping ? launch.stop_requested_ms : now_ms_();
  const uint64_t running_ms = end > launch.running_since_ms ? end - launch.running_since_ms : 0;
  const uint64_t window_ms = figures.cpu_window_ms != 0 ? figures.cpu_window_ms : running_ms;
  ProfileSample sample;
  sample.cpu_seconds = figures.cpu_seconds;
  sample.running_seconds = static_cast<double>(window_ms) / 1000.0;
  sample.peak_memory_mb = figures.peak_memory_mb;
  ResourceProfile& profile = profiles_[launch.game];
  if (update(profile, sample, profile_bound()) && on_profile_) on_profile_(launch.game, profile);
}

void SessionPlacement::on_lost(const Id128& session, SessionError error) {
  Launch* l = find(session);
  if (l == nullptr || l->state == State::kQueued || l->state == State::kEnded) return;
  metrics_.lost.add();
  end_failed(*l, error, kUnknownFigures);
  release(*l);
}

void SessionPlacement::on_server_health(uint32_t server, bool up) {
  if (server >= scheduler_.server_count()) return;
  log_info("game_server_health").kv("server", scheduler_.server(server).name).kv("up", up ? 1 : 0);
  scheduler_.set_server_up(server, up);
  metrics_.server_up[server].set(up ? 1 : 0);
  sync_images(server);
  if (!up) {
    // Its sessions end through on_lost / on_start_failed; its warm containers leave the pool
    // now (the backend removes what it still can) and are made again elsewhere.
    retire_warm_on(server, WarmDrop::kRetire);
    return;
  }
  std::vector<Placement> placed;
  scheduler_.drain_queue(placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::on_server_refusing(uint32_t server, bool refusing) {
  if (server >= scheduler_.server_count()) return;
  log_info("game_server_refusing")
      .kv("server", scheduler_.server(server).name)
      .kv("refusing", refusing ? 1 : 0);
  scheduler_.set_server_refusing(server, refusing);
  if (refusing) return;
  std::vector<Placement> placed;
  scheduler_.drain_queue(placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::on_server_capacity(uint32_t server, uint32_t cpu_millicores,
                                          uint32_t memory_mb) {
  if (server >= scheduler_.server_count()) return;
  const GameServerInfo& declared = runtime_.servers[server];
  scheduler_.set_capacity(server, std::min(cpu_millicores, declared.cpu_millicores),
                          std::min(memory_mb, declared.memory_mb));
  bound_profiles();
  std::vector<Placement> placed;  // it may have more room than it had
  scheduler_.drain_queue(placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::on_server_foreign(uint32_t server, ForeignUse use) {
  if (server >= scheduler_.server_count()) return;
  log_debug("game_server_foreign")
      .kv("server", scheduler_.server(server).name)
      .kv("slots", use.slots)
      .kv("cpu_millicores", use.cpu_millicores)
      .kv("memory_mb", use.memory_mb);
  if (!scheduler_.set_foreign(server, use)) return;
  std::vector<Placement> placed;  // others let go of some of it
  scheduler_.drain_queue(placed);
  start_placed(placed);
  publish_queue();
}

void SessionPlacement::on_no_room(const Id128& session) {
  Launch* l = find(session);
  // Unknown: forgotten with its partition (the backend was told to forget it too) or ended
  // long ago; nothing of it is held here.
  if (l == nullptr) return;
  // Only a start can find its server full: a report for anything else is a backend's mistake.
  if (l->ran || (l->state != State::kStarting && l->state != State::kStopping)) {
    // Queued or ended, the backend holds nothing of it and the record is right as it is: a
    // queued launch waits for room, an ended one had its final message. One that ran
    // (running, stopping, or being adopted) is ended lost here: the backend forgot it, reports
    // nothing more and ignores a stop for it, so kept it would hold its reservation and show
    // running to its player with no final message, ever. Lost, not stopped: no stop kept its
    // save. Should a game of it still run, no active row claims it: an orphan, removed by its
    // partition's owner. Not placed again: it ran.
    const bool ends = l->state != State::kQueued && l->state != State::kEnded;
    log_error("session_no_room_unexpected")
        .kv("node", runtime_.config.node_id)
        .kv("session", id_to_string(IdKind::kSession, l->session_owner, session))
        .kv("ran", l->ran ? 1 : 0)
        .kv("state", l->state == State::kQueued     ? "queued"
                     : l->state == State::kStarting ? "starting"
                     : l->state == State::kRunning  ? "running"
                     : l->state == State::kStopping ? "stopping"
                                                    : "ended")
        .kv("action", ends ? "ended_lost" : "ignored");
    if (!ends) return;
    l->recovering = false;
    l->stop_after_recovery = false;
    metrics_.lost.add();
    end_failed(*l, SessionError::kContainerLost, kUnknownFigures);
    release(*l);
    return;
  }
  log_info("session_no_room")
      .kv("session", id_to_string(IdKind::kSession, l->session_owner, session))
      .kv("server", l->server == kNoServer ? std::string_view("none")
                                           : std::string_view(scheduler_.server(l->server).name));
  const bool stop_asked = l->state == State::kStopping || l->stop_after_recovery;
  l->took_warm = false;  // placed again cold (a warm take that failed ends here too)
  l->pulled = false;
  l->recovering = false;
  l->stop_after_recovery = false;
  if (stop_asked) {
    // The backend forgot it and reports nothing more: the stop ends here, as a queued one's.
    end_stopped(*l, kNeverRan);
    release(*l);
    return;
  }
  release(*l);
  // Back to waiting when queued, its queue timeout from now, with a new ticket (place() sends
  // the phase). The shard records any phase of a start (api/session_events.cc), shows this one
  // until the next, and writes it to the store without a server: after a crash recovery looks
  // for it on every server and queues it again (as a start cut short on its kCreating's server
  // it would be failed). A recovered start that was never placed (no server) is queued again so.
  place(*l);
}

ProfileBound SessionPlacement::profile_bound() const {
  const Reservation most = scheduler_.largest_capacity();
  return {most.cpu_millicores / 1000.0, static_cast<double>(most.memory_mb)};
}

void SessionPlacement::bound_profiles() {
  const ProfileBound most = profile_bound();
  for (uint32_t game = 0; game < profiles_.size(); ++game) {
    if (bound(profiles_[game], most) && on_profile_) on_profile_(game, profiles_[game]);
  }
}

SessionPlacement::Launch& SessionPlacement::add_launch(const Id128& session, const Id128& save_slot,
                                                       std::string_view player_id, uint32_t game,
                                                       uint16_t owner_shard) {
  const uint32_t index = launches_.emplace();
  Launch& l = launches_[index];
  l.placement = this;
  l.on_fire = &SessionPlacement::on_timer;
  l.index = index;
  l.session = session;
  l.save_slot = save_slot;
  l.player_id = player_id;
  l.game = game;
  l.owner_shard = owner_shard;
  by_session_.insert(session, index);
  ++active_;
  return l;
}

SessionPlacement::Launch* SessionPlacement::find(const Id128& session) {
  const uint32_t* index = by_session_.find(session);
  return index == nullptr ? nullptr : &launches_[*index];
}

void SessionPlacement::start(Launch& launch, const Placement& placed) {
  const Game& game = runtime_.catalog.games()[launch.game];
  launch.state = State::kStarting;
  launch.server = placed.server;
  launch.reserved = placed.reserved;
  launch.placed_ms = now_ms_();
  // Counted as cached from the moment its pull starts, so later launches share that pull.
  if (!placed.cached) scheduler_.server(placed.server).add_image(game_image_[launch.game]);

  PlacedSession spec = placed_session(launch, placed.server);
  spec.fresh_slot = launch.fresh_slot;
  const Reservation limits = container_limits(game, placed.reserved);
  spec.cpu_millicores = limits.cpu_millicores;
  spec.memory_mb = limits.memory_mb;
  backend_->start(std::move(spec));
}

PlacedSession SessionPlacement::placed_session(const Launch& launch, uint32_t server) const {
  const Game& game = runtime_.catalog.games()[launch.game];
  PlacedSession p;
  p.session = launch.session;
  p.session_id_text = id_to_string(IdKind::kSession, launch.session_owner, launch.session);
  p.player_id = launch.player_id;
  p.game_slug = game.slug;
  p.image = game.image;
  p.save_dir = game.save_dir;
  p.save_slot = launch.save_slot;
  p.save_slot_text = id_to_string(IdKind::kSaveSlot, launch.slot_owner, launch.save_slot);
  p.server = server;
  return p;
}

void SessionPlacement::release(Launch& launch) {
  if (launch.server == kNoServer) return;
  const uint32_t server = std::exchange(launch.server, kNoServer);
  std::vector<Placement> placed;
  scheduler_.release(server, launch.reserved, placed);
  start_placed(placed);
  publish_queue();
  if (warm_games_ != 0) arm_refill();  // room for a warm container again
}

void SessionPlacement::start_placed(const std::vector<Placement>& placed) {
  for (const Placement& p : placed) {
    Launch& l = launches_[static_cast<uint32_t>(p.request_id)];
    timers_.cancel(&l);  // its queue timeout
    metrics_.placed.add();
    // A departure from the queue: what its rate is measured on, and a wait to count.
    const uint64_t now = now_ms_();
    departures_.departed(now);
    const uint64_t waited = now > l.queued_ms ? now - l.queued_ms : 0;
    size_t b = 0;
    while (kQueueWaitBucketsMs[b] != 0 && waited > kQueueWaitBucketsMs[b]) ++b;
    metrics_.queue_wait_buckets[b].add();
    metrics_.queue_wait_sum_ms.add(waited);
    metrics_.queue_wait_count.add();
    start(l, p);
  }
}

void SessionPlacement::end_failed(Launch& launch, SessionError error,
                                  const SessionFigures& figures) {
  end(launch, figures);
  mailbox_.send(launch.owner_shard, SessionFailed{launch.session, error});
}

void SessionPlacement::end_stopped(Launch& launch, const SessionFigures& figures) {
  end(launch, figures);
  mailbox_.send(launch.owner_shard, SessionStopped{launch.session, figures});
}

void SessionPlacement::end(Launch& launch, const SessionFigures& figures) {
  launch.state = State::kEnded;
  launch.figures = figures;
  std::string().swap(launch.player_id);
  --active_;
  timers_.arm(&launch, now_ms_() + kEndedRetentionMs);
}

void SessionPlacement::sync_images(uint32_t server) {
  for (uint32_t id = 0; id < images_.size(); ++id) sync_image(server, id);
}

void SessionPlacement::sync_image(uint32_t server, uint32_t image_id) {
  ServerState& s = scheduler_.server(server);
  if (backend_->has_image(server, images_[image_id])) {
    s.add_image(image_id);
  } else {
    s.remove_image(image_id);
  }
}

void SessionPlacement::publish_queue() {
  const size_t queued = scheduler_.queued();
  metrics_.launches_queued.set(queued);
  launches_accepted_.store(queued < queue_capacity_, std::memory_order_relaxed);
  metrics_.queue_head_ticket.set(scheduler_.head_ticket());
  metrics_.queue_gap_ms.set(departures_.gap_ms());
  metrics_.queue_last_departure_ms.set(departures_.last_departure_ms());
  metrics_.queue_departures_milli.set(departures_.per_second_milli());
  metrics_.start_ms.set(static_cast<uint64_t>(std::llround(std::max(start_ms_, 0.0))));
  if (queued == 0) return;
  uint64_t slots = 0;  // a pass over the servers, only while launches wait
  for (size_t i = 0; i < scheduler_.server_count(); ++i) {
    const ServerState& server = scheduler_.server(static_cast<uint32_t>(i));
    if (server.takes_launches()) slots += server.slot_capacity;
  }
  metrics_.queue_slots.set(slots);
}

void SessionPlacement::on_timer(TimerNode* node) {
  auto& l = *static_cast<Launch*>(node);
  SessionPlacement& self = *l.placement;
  if (l.state == State::kQueued) {
    self.scheduler_.cancel(l.index);
    self.metrics_.failed.add();
    self.end_failed(l, SessionError::kNoServers, kNeverRan);
    self.publish_queue();
    return;
  }
  // Ended, and kept long enough for a stop that crossed its final message.
  self.by_session_.erase(l.session);
  self.launches_.erase(l.index);
}

}  // namespace ringside

#pragma once
// Placement of game sessions, on the I/O core: turns the shards' PlaceSession and StopSession
// messages into scheduler decisions and backend calls, and the backend's events into
// SessionPhaseUpdate / Running / Url / Failed / Stopped to the session's owner shard. It owns the
// Scheduler (the fleet's capacity and image caches), each game's ResourceProfile (EMA of the
// figures of its stopped sessions, learnt over the time from running to the stop and bounded
// by the largest server) and the launch queue timeout, and keeps the games' warm pools
// (session_placement_warm.cc, docs/warm-pools.md).
//
// Every session it was asked to place gets exactly one final message, Failed or Stopped.
// A stop that arrives after that is answered with Stopped again, carrying the figures kept
// for the session (zeros if it never ran, NaN if it was lost): the shard keeps the
// authoritative ended state, and a stop may cross a final message in flight. Ended sessions
// are remembered for kEndedRetentionMs; a stop for a session not known (any more) is
// answered with Stopped and NaN figures, which the shard ignores for a session it knows ended.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"
#include "core/mailbox.h"
#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/flat_map.h"
#include "model/loaded_state.h"
#include "model/messages.h"
#include "model/metrics/placement_metrics.h"
#include "model/runtime.h"
#include "model/slab.h"
#include "sched/departure_rate.h"
#include "sched/resource_profile.h"
#include "sched/scheduler.h"
#include "sched/warm_pool.h"

namespace ringside {

class SessionPlacement final : public BackendEvents {
 public:
  using Clock = std::function<uint64_t()>;  // ms, the clock `timers` is advanced with

  static constexpr uint64_t kEndedRetentionMs = 10'000;

  // Takes its messages from `mailbox` (the I/O core's; the handlers are registered here) and
  // answers through it. Call attach() before any message.
  SessionPlacement(const Runtime& runtime, PlacementMetrics& metrics,
                   std::atomic<bool>& launches_accepted, Mailbox& mailbox, TimerWheel& timers,
                   Clock now_ms);
  ~SessionPlacement() override;
  SessionPlacement(const SessionPlacement&) = delete;
  SessionPlacement& operator=(const SessionPlacement&) = delete;

  // The backend is constructed with this object as its events, hence after it. Learns which
  // servers already hold which images.
  void attach(Backend& backend);

  // After a restart, once, before any message: the sessions the store says are active.
  // Those with a server (running, stopping, and starting ones that got as far as kCreating)
  // are reserved on it and handed to the backend, which adopts them, reports them lost or,
  // for a start cut short, failed. Starting ones without a server go to a backend that
  // recovers_unplaced_starts() (reserved once it reports where they run, on_relocated; placed
  // again when it reports on_no_room: nothing of them exists); the others are failed
  // (kStartFailed when starting, else kServerLost).
  // In cluster mode recover() runs again for each partition the node acquires (its active
  // sessions only; docs/cluster.md).
  void recover(const std::vector<ActiveSession>& active);
  // Cluster mode: the node no longer owns `partition` (model/partition.h). Its sessions are
  // forgotten — their capacity given back, a queued launch taken off the queue — WITHOUT a
  // stop or any message to a shard: they keep running, and the partition's next owner adopts
  // them. Nothing is reported for them any more; the backend is told to forget those it was
  // given (all but the queued ones). Returns how many were forgotten.
  size_t forget_partition(uint16_t partition);
  // Cluster mode: whether this node serves a partition. A PlaceSession for one it does not
  // (sent by its shard before the shard took the partition's release) is dropped: the
  // partition's next owner decides about that session from the rows it loads.
  void set_serves(std::function<bool(uint16_t partition)> serves) { serves_ = std::move(serves); }
  // Profiles read back from the database at start, bounded as learnt ones are (a profile
  // written by an older version may be larger than every server).
  void restore_profiles(const std::vector<LoadedProfile>& profiles);
  // Called after a game's profile took a new sample (to persist it).
  using ProfileListener = std::function<void(uint32_t game, const ResourceProfile& profile)>;
  void set_profile_listener(ProfileListener listener) { on_profile_ = std::move(listener); }

  // Sessions queued, starting, running or stopping.
  size_t active() const { return active_; }
  size_t queued() const { return scheduler_.queued(); }
  size_t queue_capacity() const { return queue_capacity_; }
  // The fleet's capacity and what is reserved of it.
  const Scheduler& scheduler() const { return scheduler_; }
  const ResourceProfile& profile(uint32_t game) const { return profiles_.at(game); }
  PlacementMetrics& metrics() { return metrics_; }
  // The warm containers held (session_placement_warm.cc, docs/warm-pools.md).
  const WarmPool& warm_pool() const { return warm_; }

  void on_phase(const Id128& session, StartPhase phase) override;
  void on_session_url(const Id128& session, std::string_view server_url) override;
  void on_relocated(const Id128& session, uint32_t server) override;
  void on_running(const Id128& session) override;
  void on_start_failed(const Id128& session, SessionError error) override;
  void on_stopped(const Id128& session, const SessionFigures& figures) override;
  void on_lost(const Id128& session, SessionError error) override;
  // The operator's fleet (session_placement_fleet.cc). A cordoned server takes no new
  // placement; what runs there runs on, and queued launches wait for another server.
  // Uncordoning cancels a drain that has not fired yet and places what the queue holds.
  void set_cordoned(uint32_t server, bool cordoned);
  // Cordons `server`, then once `grace_ms` has passed (at once for 0) asks the owner shard of
  // every session this node placed there and that is not stopping yet to stop it
  // (StopForReason kServerDrained): the normal stop path, save kept. A second drain before
  // that moves the deadline. The server stays cordoned until set_cordoned(server, false).
  void drain(uint32_t server, uint64_t grace_ms);
  // The same at an absolute deadline (the timers' clock): the drain a node converges to from
  // the database (app/server_cordons.h). A deadline passed stops them at once.
  void drain_at(uint32_t server, uint64_t deadline_ms);
  // Takes back a drain (its timer and its having fired); the cordon stays.
  void cancel_drain(uint32_t server);
  bool cordoned(uint32_t server) const { return scheduler_.server(server).cordoned; }
  // The server's drain deadline has passed (until it is uncordoned or drained again).
  bool drained(uint32_t server) const { return drains_[server].fired; }
  // With a database the drain is the database's, and another node may have taken it back or
  // moved it just before the deadline: a drain timer that fires then stops nothing itself. It
  // marks the drain due and calls `confirm(server)`, which reads the table again; a read that
  // still shows the deadline passed stops the sessions (drain_at with a past deadline), one
  // that does not re-arms or cancels the drain (app/server_cordons.h). Unset: the timer stops
  // them at once (one node, no database).
  void set_drain_confirm(std::function<void(uint32_t server)> confirm) {
    confirm_drain_ = std::move(confirm);
  }
  // The drain's timer fired and waits for a read to confirm it (set_drain_confirm).
  bool drain_due(uint32_t server) const { return drains_[server].due; }
  // Stops what is starting or running on a drained server and was not asked to stop yet:
  // sessions recovered after the deadline (a partition taken over, a restart).
  void stop_on_drained();
  // One item of GET /operator/servers (docs/operator-api.md, "Servers").
  void write_server_json(JsonWriter& w, uint32_t server) const;
  // The catalog was reloaded (Catalog::reload): an appended game gets its image id and a
  // profile from its declared figures; a changed image is interned; a game's declared figures
  // replace those not learnt yet.
  void on_catalog_reloaded();

  void on_server_health(uint32_t server, bool up) override;
  void on_server_refusing(uint32_t server, bool refusing) override;
  // What the server really has: its capacity becomes the smaller of this and what the fleet
  // declares, and the learnt profiles are bounded by it.
  void on_server_capacity(uint32_t server, uint32_t cpu_millicores, uint32_t memory_mb) override;
  // Counted as taken (Scheduler::set_foreign); when it drops, the queue is drained.
  void on_server_foreign(uint32_t server, ForeignUse use) override;
  // A start whose server was full after all: its reservation is given back and it is placed
  // again as a new launch is — on another server, or queued (its queue timeout starting
  // again; phase kQueued to its shard), or failed kNoServers when the queue is full. A stop
  // asked meanwhile ends it stopped. Reported for a session that is not a start (a backend's
  // mistake): logged as an error; one that ran is ended failed kContainerLost (the backend
  // forgot it), a queued or ended one is left as it is.
  void on_no_room(const Id128& session) override;

  // Warm pools (session_placement_warm.cc, docs/warm-pools.md "Placement"). Ready: it may be
  // taken from now on. Gone: given back; one that never got ready pauses its game's refill.
  void on_warm_ready(uint64_t warm) override;
  void on_warm_gone(uint64_t warm) override;
  // Adopted after a restart when its game still has a pool and this image: reserved on
  // `server`, ready, its label player kept (forget_partition forgets it). Else 0 (the backend
  // removes it).
  uint64_t on_warm_found(uint32_t server, std::string_view game_slug, std::string_view image,
                         uint32_t cpu_millicores, uint32_t memory_mb,
                         std::string_view label_player) override;
  // The backend reported the warm containers found at start: the pools are filled (and shrunk)
  // from now on. Held from the first recover() until this, where the backend supports_warm.
  void on_warm_recovered() override;
  // A failed pre-pull takes the image bit it set back.
  void on_prefetched(uint32_t server, std::string_view image, bool ok) override;

 private:
  static constexpr uint32_t kNoServer = UINT32_MAX;

  enum class State : uint8_t { kQueued, kStarting, kRunning, kStopping, kEnded };

  // One session asked for. Its slab index is its scheduler request id: a record is erased
  // only once ended, when the scheduler no longer holds it. Its timer is the queue timeout
  // while queued, and the end of its retention once ended.
  struct Launch : TimerNode {
    SessionPlacement* placement = nullptr;
    Id128 session;
    Id128 save_slot;
    std::string player_id;   // dropped once ended
    SessionFigures figures;  // once ended: what a repeated stop answers
    uint64_t running_since_ms = 0;
    uint64_t stop_requested_ms = 0;
    uint64_t queued_ms = 0;  // when it last entered the queue; 0: it did not wait
    uint64_t placed_ms = 0;  // when it was last placed (its start time counts from here)
    Reservation reserved;
    uint32_t index = 0;  // in launches_
    uint32_t game = 0;
    uint32_t server = kNoServer;  // while it holds a placement
    uint16_t owner_shard = 0;
    IdOwner session_owner;  // what the ids' text says (model/ids.h)
    IdOwner slot_owner;
    State state = State::kQueued;
    bool fresh_slot = false;
    bool ran = false;  // reached running
    // Handed to Backend::recover and not reported yet: a stop waits for the report, since
    // the backend may not know the session before it has looked.
    bool recovering = false;
    bool stop_after_recovery = false;
    // Running before a restart and adopted: its CPU figure covers time before
    // running_since_ms, so it teaches the profile nothing.
    bool adopted = false;
    bool took_warm = false;  // its start took a warm container (StartKind::kWarm)
    bool pulled = false;     // its start reported kPulling (StartKind::kPulled)
  };

  // From an owner shard (registered on the mailbox at construction). Each refuses (false) a
  // message that is not from a shard, and one about a session its sender does not own:
  // placement answers the owner, so a wrong owner would be answered instead.
  bool on_place_session(uint32_t from, const PlaceSession& m);
  bool on_stop_session(uint32_t from, const StopSession& m);
  Launch* find(const Id128& session);
  // A new record, counted active and findable by its session id; the caller sets its state.
  Launch& add_launch(const Id128& session, const Id128& save_slot, std::string_view player_id,
                     uint32_t game, uint16_t owner_shard);
  // Submits the launch to the scheduler as a new one is: started where it is placed, queued
  // (its queue timeout from now) or, the queue full, failed kNoServers. What a PlaceSession
  // and a start that found no room share.
  Scheduler::Outcome place(Launch& launch);
  // Starts a launch the scheduler placed.
  void start(Launch& launch, const Placement& placed);
  // The launch as the backend gets it, placed on `server`: what start() and recover() share.
  PlacedSession placed_session(const Launch& launch, uint32_t server) const;
  // Gives its capacity back and starts whatever the queue places in it.
  void release(Launch& launch);
  void start_placed(const std::vector<Placement>& placed);
  void end_failed(Launch& launch, SessionError error, const SessionFigures& figures);
  void end_stopped(Launch& launch, const SessionFigures& figures);
  void end(Launch& launch, const SessionFigures& figures);
  // The scheduler's image bits of `server`, from the backend. Only for images with no pull
  // under way there: the scheduler counts an image from the start of its pull, the backend
  // from its end.
  void sync_images(uint32_t server);
  void sync_image(uint32_t server, uint32_t image_id);
  // launches_accepted, the queue gauge and what the queue's estimate is made of
  // (model/queue_estimate.h), after anything that may change the queue.
  void publish_queue();
  // What the largest server can hold: the most a learnt figure may be.
  ProfileBound profile_bound() const;
  // Bounds every game's learnt figures, persisting those that changed.
  void bound_profiles();
  // Folds an ended session's figures into its game's profile (persisted when it learnt).
  void learn(const Launch& launch, const SessionFigures& figures);

  static void on_timer(TimerNode* node);

  // Warm pools (session_placement_warm.cc).
  struct WarmTimer : TimerNode {
    SessionPlacement* placement = nullptr;
  };
  // How a warm container leaves the pool: retired (the backend removes it), forgotten (its
  // partition left this node: the backend lets go of it) or gone (the backend reported it).
  enum class WarmDrop : uint8_t { kRetire, kForget, kGone };
  static constexpr uint64_t kWarmTickMs = 1'000;
  static constexpr uint32_t kMaxWarmCreatesPerServer = 4;
  static constexpr uint64_t kWarmShrinkAfterMs = 30'000;
  static constexpr uint32_t kPrefetchServersPerTick = 2;
  // The first recover()'s warm containers: not asked for yet (no recover(), or a backend
  // without warm pools: nothing to wait for), waited for, or reported (on_warm_recovered).
  enum class WarmRecovery : uint8_t { kNotAsked, kWaiting, kDone };
  void init_warm();
  // Takes a ready warm container of the launch's game on a server that takes launches, the one
  // ready longest: the launch holds its server and reservation. False: none.
  bool take_warm(Launch& launch);
  void drop_warm(uint64_t id, WarmDrop how);
  // Refill and give way run from this timer, never inside the call that armed it.
  void arm_refill();
  void refill();
  // Retires warm containers while a queued launch would fit in what one of them holds: any
  // queued launch, or (`newest_only`) the one just queued, which the call that queued it asks
  // for without a pass over the queue per warm container.
  void give_way(bool newest_only = false);
  bool create_warm(uint32_t game);
  // The 1 s tick while a game has a pool: launch windows, auto size, shrink, pre-pull, refill.
  void warm_tick();
  void size_warm(uint32_t game);
  void shrink_warm(uint32_t game, uint64_t now);
  void prefetch_rising(uint32_t game);
  // On a reload: retires what a game's new entry no longer wants (no pool, another image).
  void reload_warm();
  void retire_warm_on(uint32_t server, WarmDrop how);
  void forget_warm_partition(uint16_t partition);
  void publish_warm(uint32_t game, uint32_t server);
  std::string warm_label_player();
  static void on_refill_timer(TimerNode* node);
  static void on_warm_tick(TimerNode* node);

  // A drain's grace, one per server.
  struct DrainTimer : TimerNode {
    SessionPlacement* placement = nullptr;
    uint32_t server = 0;
    bool fired = false;  // its deadline passed: the server is drained
    bool due = false;    // fired, waiting for a read to confirm (set_drain_confirm)
  };
  static void on_drain_timer(TimerNode* node);
  // Sends StopForReason for every session held on `server` and not stopping; logged when
  // `always_log` or when it stopped any. Returns how many.
  size_t stop_sessions_on(uint32_t server, EndReason reason, bool always_log = true);
  // The image id of `image`, interned if new (image ids are dense and shared).
  uint32_t intern_image(std::string_view image);

  const Runtime& runtime_;
  std::atomic<bool>& launches_accepted_;  // published for the shards (model/published.h)
  Mailbox& mailbox_;
  TimerWheel& timers_;
  Clock now_ms_;
  Backend* backend_ = nullptr;
  size_t queue_capacity_;
  uint64_t queue_timeout_ms_;
  Scheduler scheduler_;
  std::vector<std::string_view> images_;   // by image id, into the catalog
  std::vector<uint32_t> game_image_;       // by game: its image id
  std::vector<ResourceProfile> profiles_;  // by game
  Slab<Launch, 1024> launches_;
  FlatMap<Id128, uint32_t, Id128Hasher> by_session_;
  size_t active_ = 0;
  PlacementMetrics& metrics_;  // published for /metrics (model/published.h)
  DepartureRate departures_;   // of the launch queue
  double start_ms_;            // EWMA of the time from placed to running, of fresh starts
  ProfileListener on_profile_;
  std::function<bool(uint16_t partition)> serves_;  // empty: every partition (one node)
  std::vector<DrainTimer> drains_;                  // by server
  std::function<void(uint32_t server)> confirm_drain_;
  WarmPool warm_;
  uint32_t warm_games_ = 0;  // games with a pool; 0: none of the warm machinery runs
  WarmTimer refill_timer_;
  WarmTimer warm_tick_;
  std::mt19937_64 warm_rng_;  // of the label players
  WarmRecovery warm_recovery_ = WarmRecovery::kNotAsked;
  uint64_t warm_recovery_since_ms_ = 0;
};

}  // namespace ringside

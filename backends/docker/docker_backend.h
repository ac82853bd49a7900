#pragma once
// Game sessions as containers on a fleet of Docker engines (--backend docker), driven from the
// I/O core's loop through the async HTTP client. docs/docker-backend.md has the calls it makes.
//
// A session goes: pull (only when the engine lacks the image; one pull per engine and image,
// shared by every launch waiting for it) -> create (labels ringside.session/player/game, memory
// and CPU limits) -> put the slot's save data in -> start -> running (after the image's
// HEALTHCHECK says healthy, when it has one; its CPU so far is read just after, so that the
// stop reports only what it used while running). Stop: stats (CPU seconds, peak memory), stop with
// a grace period, copy the save directory out to the save root, remove. A stop before running
// removes whatever was created and reports zero figures, as the simulated fleet does. A stop
// on an engine that is down (or that stops answering during the stop) ends the session lost
// (kServerLost) at once instead of waiting out every call. Save files are read, checked and
// written on a helper thread (FileWorker), never on the I/O core's loop.
//
// Every final event comes from an HTTP answer or a timer, never from inside start(), stop() or
// recover(). Engines are pinged; one that stops answering is reported down at once and its
// running sessions lost only after lost_timeout. Each engine's event stream is followed while
// it is up: a running session's container that dies without a stop is lost (kContainerLost)
// at once, and a labelled container no session owns (an orphan) is removed once it has been
// seen for orphan_grace. Containers are also listed by label, the safety net: at start-up,
// when an engine comes back or its stream opens again, every reconcile interval and on
// recover(), with the same rules. recover() adopts a running container, also one whose start
// the restart cut short (after its HEALTHCHECK says healthy, as a start does). A recovered
// session whose container has exited has its save copied out before the container goes: one
// whose stop was under way when it changed hands (was_stopping) then ends stopped, one running
// ends lost. Each engine's real CPUs and memory (GET /info) are read at start-up and whenever
// it comes back: no limit is asked above them, and a create waits while that read is on its way
// (docker_capacity.cc).
//
// Several nodes may share the engines (cluster mode). A container is named by its engine slot
// ("ringside-slot-<k>"), so the engine itself refuses a container past an engine's slots, for
// every node at once (409); a start that finds no name free is given back to placement
// (on_no_room). What runs that this node did not place is counted and reported
// (on_server_foreign), and only the node serving a container's partition calls it an orphan
// (judges()). docker_slots.cc.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/docker/docker_api.h"
#include "backends/docker/docker_attach.h"
#include "backends/docker/docker_fleet.h"
#include "backends/file_worker.h"
#include "backends/http/http_client.h"
#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/metrics/backend_metrics.h"

namespace ringside {

struct DockerOptions {
  std::string api_version = "1.41";  // Debian's engine (20.10) speaks no newer one
  std::string save_root = "/var/lib/ringside/saves";
  uint32_t pull_timeout_ms = 60'000;
  uint32_t start_timeout_ms = 60'000;  // start to healthy, for images with a HEALTHCHECK
  uint32_t stop_grace_s = 10;          // SIGTERM to SIGKILL
  uint32_t orphan_grace_ms = 60'000;
  uint32_t lost_timeout_ms = 30'000;  // an engine down this long loses its sessions
  uint32_t ping_interval_ms = 2'000;
  uint32_t ping_timeout_ms = 2'000;
  uint32_t reconcile_interval_ms = 30'000;
  uint32_t health_poll_ms = 500;
};

class DockerBackend final : public Backend {
 public:
  // Lists every engine's images and containers at once; runs on `reactor`'s timers and clock.
  // `metrics` must outlive the backend.
  DockerBackend(std::vector<DockerEngine> engines, DockerOptions options, Reactor& reactor,
                BackendEvents& events, BackendMetrics& metrics);
  // Cancels what is under way; leaves containers running (a restart adopts them).
  ~DockerBackend() override;
  DockerBackend(const DockerBackend&) = delete;
  DockerBackend& operator=(const DockerBackend&) = delete;

  std::string_view name() const override { return "docker"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  std::string_view backend_id(const Id128& session) const override {
    auto it = sessions_.find(session);
    return it == sessions_.end() ? std::string_view() : std::string_view(it->second->container);
  }
  bool has_image(uint32_t server, std::string_view image) const override;
  void start(PlacedSession spec) override;
  void stop(const Id128& session) override;
  void recover(std::vector<PlacedSession> sessions) override;
  // A start the store has no server for (its kCreating is written a few ms after the create
  // is sent) is looked for by its ringside.session label on every engine: adopted where found
  // (on_relocated), given back to placement (on_no_room) once every engine has listed no
  // container of it, failed kStartFailed when an engine did not list in time (it may hold it).
  bool recovers_unplaced_starts() const override { return true; }
  void forget(const Id128& session) override;

  // Warm pools (docker_warm.cc, docs/warm-pools.md): created with stdin open and held by an
  // attach stream; a take writes the save on it and waits for the game's took line.
  bool supports_warm() const override { return true; }
  void warm_create(WarmContainer warm) override;
  void warm_retire(uint64_t warm) override;
  void forget_warm(uint64_t warm) override;
  void prefetch(uint32_t server, std::string_view image) override;
  // The warm container's id, empty before it is created or when unknown.
  std::string warm_container(uint64_t warm) const;

  uint64_t pulls_started() const { return pulls_started_; }
  size_t session_count() const { return sessions_.size(); }
  // The session's container id, empty before it is created.
  std::string container_of(const Id128& session) const;
  bool engine_up(uint32_t server) const { return engines_[server]->up; }

 private:
  enum class Step : uint8_t {
    kPull,
    kCapacity,  // its engine's /info on its way: created once it answers (docker_capacity.cc)
    // Every free slot name held by a container this node is removing: created once one of
    // those is gone (docker_slots.cc), not answered no_room.
    kWaitRoom,
    kCreate,
    kPutSave,  // the slot's file read and checked (helper thread), then the PUT
    kStart,
    kHealth,  // inspected until healthy
    kTake,    // a warm container's: the take written, its took line awaited (docker_warm.cc)
    kRunning,
    kStats,
    kStopContainer,
    kGetSave,
    kStoreSave,  // the save checked and written (helper thread)
    kRemove,     // then report `end`
    kReport,     // nothing left to do on the engine: report `end` from the timer
  };
  // kNoRoom: no slot name was free on the engine; nothing created (on_no_room).
  enum class End : uint8_t { kStopped, kStartFailed, kLost, kNoRoom };

  struct Session;
  struct Engine;
  struct SessionTimer : TimerNode {
    Session* session = nullptr;
  };
  struct EngineTimer : TimerNode {
    Engine* engine = nullptr;
  };
  struct BackendTimer : TimerNode {
    DockerBackend* backend = nullptr;
  };

  struct Session {
    DockerBackend* backend = nullptr;
    Id128 id;
    std::string id_text, player, game, image, save_dir;
    Id128 slot;
    bool fresh_slot = false;
    uint32_t engine = 0;
    uint32_t cpu_millicores = 0, memory_mb = 0;
    Step step = Step::kPull;
    bool stop_requested = false;  // a stop came while a start step was in flight
    bool pulled_again = false;    // its image vanished from the engine once and was re-pulled
    // Recovered stopping: its stop was asked for before this node had it (another node's, or
    // before a restart), so its container may exit without a stop from here (end_asked_stop).
    bool was_stopping = false;
    std::string container;
    // The engine slot its container's name holds (from its create, or the name of the container
    // recovery adopted); kNoSlot before its create, or for a container named the old way.
    uint32_t engine_slot = docker_api::kNoSlot;
    // The limits its container was created with (as labelled): what it takes once foreign.
    uint32_t limit_cpu_millicores = 0, limit_memory_mb = 0;
    HttpClient::RequestId request = 0;  // the step's call in flight, 0 when none
    SessionTimer timer;                 // health polls, deferred reports
    uint64_t running_since_ms = 0;
    // CPU seconds the container had used just after it became running (its start-up), taken
    // off the stop's figure, and when that was read. 0 when not known (adopted after a
    // restart, stopped before the answer, or the engine did not say).
    double cpu_baseline = 0;
    uint64_t baseline_ms = 0;
    uint64_t start_deadline_ms = 0;
    End end = End::kStopped;
    SessionError error = SessionError::kNone;
    SessionFigures figures;
    DockerAttach::StreamId attach = 0;  // a take's stream until its took line
  };

  // A warm container, from warm_create() (or found by recover()) until taken, retired, forgotten
  // or gone.
  // kWaitRoom: waits for this node's own removals, as a session's start does (docker_slots.cc).
  enum class WarmStep : uint8_t { kPull, kWaitRoom, kCreate, kStart, kHealth, kAttach, kReady };
  struct Warm;
  struct WarmTimer : TimerNode {
    Warm* warm = nullptr;
  };
  struct Warm {
    DockerBackend* backend = nullptr;
    uint64_t id = 0;
    std::string game, image, save_dir, label_player;
    // The image as the catalog spells it (`image` is Docker's, with :latest added): the
    // container is created with it, so a listing after a restart reports it as placement
    // compares it (on_warm_found).
    std::string catalog_image;
    uint32_t engine = 0;
    uint32_t cpu_millicores = 0, memory_mb = 0;  // asked for; the limits actually set below
    uint32_t limit_cpu_millicores = 0, limit_memory_mb = 0;
    WarmStep step = WarmStep::kPull;
    bool found = false;  // found by recover(): ready once attached, without on_warm_ready
    std::string container;
    uint32_t engine_slot = docker_api::kNoSlot;
    HttpClient::RequestId request = 0;
    DockerAttach::StreamId attach = 0;
    WarmTimer timer;  // health polls
    uint64_t deadline_ms = 0;
    uint64_t ready_ms = 0;  // when it became ready: a listing asked for before misses it
  };
  // A warm container's took line as its log shows it (recover, listings).
  struct Took {
    std::string session, player;
  };

  struct Pull {
    HttpClient::RequestId request = 0;
    uint32_t engine = 0;
    std::string image;
    std::vector<Id128> waiters;
    std::vector<uint64_t> warm_waiters;  // warm creates
    // Asked by prefetch(), as each caller spelled the image: on_prefetched with each when it
    // ends (placement compares the catalog's spelling).
    std::vector<std::string> prefetch_as;
  };

  // A labelled container as this node last saw it on an engine, or a slot name some container
  // holds (a 409 said so). `noted`: listings_sent_ then; a listing sent after it that does not
  // show it means it is gone.
  struct Seen {
    docker_api::ContainerLabels labels;
    uint64_t noted = 0;
  };

  struct Engine {
    DockerBackend* backend = nullptr;
    uint32_t index = 0;
    docker_api::Endpoint endpoint;
    bool up = true;  // until a ping fails
    // What the engine's machine has (GET /info), 0 until known; read again when it is back.
    docker_api::EngineCapacity capacity;
    bool capacity_current = false;  // read since it was last reached
    std::unordered_set<std::string> images;
    HttpClient::RequestId ping = 0, listing = 0, image_listing = 0, info = 0;
    uint64_t last_listing_ms = 0;
    uint64_t down_since_ms = 0;
    EngineTimer ping_timer;
    EngineTimer lost_timer;  // lost_timeout after down_since_ms: its sessions are lost
    // The first deadline of the sessions recover() gave it that no listing settled yet (their
    // own lost_timeout from recover()). Apart from lost_timer: neither moves the other.
    EngineTimer recovery_timer;
    // Its event stream (docker_events.cc), open while the engine is up.
    HttpClient::RequestId events = 0;
    std::string event_line;  // the start of a line not complete yet
    // Before the next reconnect; back to 0 once a stream proved itself (docker_events.cc).
    uint32_t events_backoff_ms = 0;
    uint64_t events_opened_ms = 0;  // when the stream in flight opened; 0 while it has not
    bool list_again = false;        // the listing in flight was asked for too early
    EngineTimer events_timer;       // the reconnect
    // What runs on it (docker_slots.cc): every labelled container seen in a listing or an
    // event, by id; slot names held by a container not seen (a 409, a create abandoned in
    // flight), by slot; containers destroyed since the listing in flight was asked for (with
    // listings_sent_ then), which that listing may still show.
    std::unordered_map<std::string, Seen> containers;
    std::unordered_map<uint32_t, Seen> held_names;
    std::unordered_map<std::string, uint64_t> gone;
    ForeignUse foreign;  // as last reported
    // Containers this node is removing that placement let go of already (warm ones retired or
    // dropped), by id, until the removal answers: not foreign use, and their names are what a
    // create waits for (kWaitRoom) rather than finding no room.
    std::unordered_set<std::string> removing;
    // recover() was called: the first listing numbered from this one reports the unheld warm
    // containers it shows (on_warm_found); 0 when none is due.
    uint64_t warm_recovery = 0;
    // The first recover()'s warm containers on it are not reported yet (on_warm_recovered
    // waits for every engine's): its listing answered, failed, or it went down, settle it.
    bool warm_recovery_first = false;
    // Warm-labelled containers whose log the last listing could not read (docker_warm.cc):
    // whether they were taken is unknown, so none is adopted, removed, an orphan or the reason
    // a recovered session is lost until a later listing reads it.
    std::unordered_set<std::string> took_unknown;
    // Warm containers recovery left for a later listing because their log was unknown.
    std::unordered_set<std::string> warm_unsettled;
  };

  struct Orphan {
    uint32_t engine = 0;
    std::string session;  // its ringside.session label
    std::string player;   // its ringside.player label: whether this node judges it
    uint64_t remove_at_ms = 0;
  };

  using Callback = std::function<void(HttpResponse&&)>;
  HttpClient::RequestId send(HttpRequest request, Callback done);
  Session* find(const Id128& id);
  const docker_api::Endpoint& endpoint(const Session& s) const {
    return engines_[s.engine]->endpoint;
  }

  // Start path (docker_backend.cc). Each step sends one call; its answer goes to on_*.
  using Answer = void (DockerBackend::*)(Session&, HttpResponse&&);
  // Sends the step's call; the answer reaches `on_answer` only while the session exists.
  void call(Session& s, Step step, HttpRequest request, Answer on_answer);
  // The session's record, from start() or recover(): filled from `spec`, in sessions_.
  Session& add_session(PlacedSession&& spec);
  // The one pull of `image` on `engine` that launches, warm creates and prefetches share: the
  // one running, or a new one started and logged as `event`.
  Pull& shared_pull(uint32_t engine, const std::string& image, std::string_view event);
  // The pull of `image` running on `engine`, or nullptr.
  Pull* running_pull(uint32_t engine, std::string_view image);
  void join_pull(Session& s);
  // Leaves its pull, which goes on (the image is cached for the next launch).
  void forget_pull(Session& s);
  void on_pull_done(const std::string& key, HttpResponse&& r);
  // Reports `creating`, then creates the container: at once, or once its engine's /info,
  // on its way, answered (kCapacity).
  void create(Session& s);
  void send_create(Session& s);
  void on_created(Session& s, HttpResponse&& r);
  struct LoadedSave;
  struct StoredSave;
  // The slot's file is read and checked on the helper thread, then PUT into the container.
  void put_save(Session& s);
  void on_save_loaded(Session& s, LoadedSave& loaded);
  void on_save_put(Session& s, HttpResponse&& r);
  void start_container(Session& s);
  void on_started(Session& s, HttpResponse&& r);
  void check_health(Session& s);
  void on_inspected(Session& s, HttpResponse&& r);
  // Reports running (docker_running, on_running). A start's session reads the container's CPU
  // so far (its start-up) too: the start of the window its stop's CPU figure covers. One
  // adopted running after a restart does not: its total covers time before the restart, and
  // placement does not learn from it.
  void became_running(Session& s, bool read_baseline);
  void read_cpu_baseline(Session& s);
  void on_cpu_baseline(Session& s, HttpResponse&& r);
  void cancel_call(Session& s);  // abandons the session's call in flight, if any
  // A start step failed: remove what was created, then on_start_failed(error).
  void fail(Session& s, SessionError error, std::string_view step, const HttpResponse* r);
  // A stop came while a start step ran: remove what was created, then on_stopped (zeros).
  void abandon(Session& s);
  // Stop path (docker_stop.cc): stats, stop, save out, remove.
  void collect_stats(Session& s);
  void on_stats(Session& s, HttpResponse&& r);
  void on_container_stopped(Session& s, HttpResponse&& r);
  // Copies the save directory out of its stopped (or exited) container to the save root, then
  // removes the container and reports `end` (also when the save could not be kept: save_error).
  void save_out(Session& s, End end, SessionError error);
  void on_save_got(Session& s, HttpResponse&& r);
  // Checked and written on the helper thread, then the container is removed.
  void store_save(Session& s, std::string&& tar);
  void on_save_stored(Session& s, const StoredSave& stored);
  void save_failed(Session& s, SaveError error, std::string_view detail);
  // A was_stopping session whose container is no longer running: the stop asked for before did
  // that. It ends stopped (CPU and memory unknown), its save copied out first when the container
  // is still there (`container_left`: exited, not removed).
  void end_asked_stop(Session& s, bool container_left);
  // A recovered running session whose container has exited: lost, its save copied out first
  // (it may have exited from a stop whose `stopping` the store had not recorded yet).
  void save_out_lost(Session& s);
  // A stop step got no answer from an engine that is gone: the session ends lost, now.
  bool engine_gone(const Session& s, const HttpResponse& r) const;
  void lose_stopping(Session& s, std::string_view step);
  // Removes the container if there is one, then reports `end`.
  void remove_and_end(Session& s, End end, SessionError error);
  void on_removed(Session& s, HttpResponse&& r);
  void report_later(Session& s, End end, SessionError error);
  void report(Session& s);
  // Drops the session (its call and timer cancelled); reports nothing.
  void forget(Session& s);
  static void on_session_timer(TimerNode* node);

  // The engine's real capacity (docker_capacity.cc): read, reported to placement, and the
  // bound on every container's limits. The creates held for the answer go on after it, also
  // when it failed.
  void read_capacity(Engine& e);
  void on_capacity(Engine& e, const HttpResponse& r);
  // `spec`'s CPU and memory limits cut to what the session's engine has; the game's own
  // figures (logged) when that was never known.
  void bound_limits(const Session& s, docker_api::ContainerSpec& spec) const;

  // Engines, listings, recovery (docker_reconcile.cc).
  void ping(Engine& e);
  void on_ping(Engine& e, const HttpResponse& r);
  void engine_down(Engine& e);
  void engine_back(Engine& e);
  void list_images(Engine& e);
  void list_containers(Engine& e);
  // `serial`: the listing's number in listings_sent_.
  void on_container_list(Engine& e, uint64_t sent_ms, uint64_t serial, HttpResponse&& r);
  // recover()'s sessions on `e`, against its listing number `serial` (those given to recover()
  // before it was asked for); without one (null: the engine did not answer), those that have
  // waited lost_timeout for one. The recovery timer is armed for the rest.
  void recover_engine(Engine& e, const std::vector<docker_api::ListedContainer>* listed,
                      uint64_t serial);
  struct Recovering;
  // Whether `r`, recovered on `e`, may run in a warm container whose log `e`'s last listing
  // could not read (not listed under its own session): it waits for a listing that reads it.
  bool took_unknown_may_hold(const Engine& e, const Recovering& r,
                             const std::vector<docker_api::ListedContainer>* listed) const;
  // A start without a server against `e`'s listing: sets its server to `e` when its container
  // is there, else counts `e` as answered. True when every engine has answered without it.
  bool settle_unplaced(const Engine& e, Recovering& r,
                       const std::vector<docker_api::ListedContainer>* listed, uint64_t serial);
  // Calls it an orphan if this node judges it and no session here owns it.
  void note_orphan(Engine& e, std::string_view container, const docker_api::ContainerLabels& c);
  void arm_orphan_timer();
  void remove_orphans();
  void lose_sessions(Engine& e);
  // Sessions stopping on `e` when it went down: their calls cannot succeed any more.
  void lose_stops(Engine& e);
  bool owned(std::string_view session_label) const;
  static void on_ping_timer(TimerNode* node);
  static void on_lost_timer(TimerNode* node);
  static void on_recovery_timer(TimerNode* node);
  static void on_orphan_timer(TimerNode* node);

  // Each engine's event stream (docker_events.cc).
  void follow_events(Engine& e);
  void stop_following(Engine& e);
  void on_events_open(Engine& e);
  void on_events_data(Engine& e, std::string_view data);
  void on_events_end(Engine& e, HttpResponse&& r);
  void on_container_event(Engine& e, const docker_api::ContainerEvent& event);
  static void on_events_timer(TimerNode* node);

  // Warm containers (docker_warm.cc).
  Warm* find_warm(uint64_t id);
  void warm_create_container(Warm& w);
  void on_warm_created(Warm& w, HttpResponse&& r);
  void on_warm_started(Warm& w, HttpResponse&& r);
  void check_warm_health(Warm& w);
  void on_warm_inspected(Warm& w, HttpResponse&& r);
  void attach_warm(Warm& w);
  void on_attach_line(const std::string& container, std::string_view line);
  void on_attach_end(const std::string& container, std::string_view error);
  // Removes what was made (the attach closed) and reports on_warm_gone unless `quiet`.
  void drop_warm(Warm& w, std::string_view why, bool remove, bool quiet);
  void warm_call(Warm& w, HttpRequest request,
                 void (DockerBackend::*on_answer)(Warm&, HttpResponse&&));
  static void on_warm_timer(TimerNode* node);
  static void on_prefetch_timer(TimerNode* node);
  // The take (start() of a PlacedSession::warm).
  void take(PlacedSession&& spec);
  void write_take(Session& s, std::string&& tar);
  void take_failed(Session& s, std::string_view why);
  // A listing's answer: the took lines of the warm containers in it that nothing here knows
  // are read from their logs first (a taken one is then its session's), then `then` runs.
  void read_took_lines(Engine& e, HttpResponse&& r, std::function<void(HttpResponse&&)> then);
  // Marks the listing's taken warm containers with their sessions (from took_).
  void label_taken(std::vector<docker_api::ListedContainer>& listed) const;
  // recover()'s warm containers on `e`: the unheld ones judged here, found or removed.
  // `unsettled_only`: only those an earlier recovery left because their log was unknown.
  void recover_warm(Engine& e, const std::vector<docker_api::ListedContainer>& listed,
                    bool unsettled_only = false);
  // `e` is done with the first recover()'s warm containers: on_warm_recovered after the last.
  void settle_warm_recovery(Engine& e);
  void remove_container_on(Engine& e, const std::string& id);
  // A warm container whose `create` event came before this node's create was answered: its
  // slot is the one a warm create here is waiting on.
  bool creating_warm(const Engine& e, const docker_api::ContainerLabels& c) const;
  // Whether a container is this node's: a session's, or a warm one held here.
  bool owned(std::string_view container, const docker_api::ContainerLabels& c) const;

  // What runs on each engine, slot names and foreign use (docker_slots.cc).
  void note_container(Engine& e, const std::string& id, const docker_api::ContainerLabels& c);
  void container_gone(Engine& e, const std::string& id, uint32_t slot);
  // Holds what listing number `serial` shows and drops what it no longer does.
  void note_listing(Engine& e, uint64_t serial,
                    const std::vector<docker_api::ListedContainer>& listed);
  void hold_name(Engine& e, uint32_t slot, uint32_t cpu_millicores, uint32_t memory_mb);
  // A slot whose name is believed free on `e`, from a random start (two nodes racing for one
  // engine seldom pick the same); none when every name is taken (or the engine has 0 slots).
  // With `after_removals`: as it will be once this node's removals in flight are done.
  std::optional<uint32_t> free_slot(const Engine& e, bool after_removals = false);
  // What runs on an engine changed: the creates waiting for room (kWaitRoom) try again from the
  // next turn of the loop (never from inside the call that freed it).
  void room_may_change();
  static void on_room_timer(TimerNode* node);
  // A session is being dropped: what it leaves on its engine is seen as a container no session
  // here owns (foreign, an orphan for the listings).
  void leave_on_engine(Session& s);
  ForeignUse foreign_use(const Engine& e) const;
  // Foreign use may have changed: reported from the next turn of the loop (not from inside a
  // call placement made, forget() alone excepted), every engine's whose changed.
  void foreign_may_change();
  void report_foreign(Engine& e);
  static void on_foreign_timer(TimerNode* node);

  std::vector<GameServerInfo> servers_;
  DockerOptions options_;
  Reactor& reactor_;
  TimerWheel& timers_;
  BackendEvents& events_;
  BackendMetrics& metrics_;
  std::vector<std::unique_ptr<Engine>> engines_;
  std::unordered_map<Id128, std::unique_ptr<Session>, Id128Hasher> sessions_;
  std::unordered_map<std::string, Pull> pulls_;  // by engine index + '\n' + image
  // recover()'s sessions not yet looked up on their engine, by ringside.session label; each
  // settled by the first listing of its engine asked for after recover() was given it, or
  // given up on lost_timeout after that (recover() is called once per partition acquired).
  // A start without a server (kUnknownServer: the store has no server for it) waits for every
  // engine: found on one, it is that engine's; on none, once each has answered a listing asked
  // for after recover(), nothing of it exists and placement places it again (on_no_room).
  struct Recovering {
    PlacedSession session;
    uint64_t at_ms = 0;               // when recover() was called with it
    uint64_t listing = 0;             // the first listing number that may settle it
    std::vector<uint8_t> unanswered;  // without a server: by engine, 1 until its listing came
  };
  // Looked up by a label's string_view, on every foreign-use pass: no string made per container.
  struct LabelHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Recovering, LabelHash, std::equal_to<>> recovering_;
  std::unordered_map<std::string, Orphan> orphans_;  // by container id
  BackendTimer orphan_timer_;
  BackendTimer foreign_timer_;
  BackendTimer room_timer_;
  // prefetch()es of an image the engine holds already: answered ok from the next turn.
  std::vector<std::pair<uint32_t, std::string>> prefetched_;
  BackendTimer prefetch_timer_;
  uint64_t listings_sent_ = 0;  // container listings asked for, every engine's
  std::minstd_rand slot_random_{std::random_device{}()};
  std::unordered_set<HttpClient::RequestId> in_flight_;
  uint64_t pulls_started_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Warm>> warm_;
  std::unordered_map<std::string, uint64_t> warm_by_container_;
  std::unordered_map<std::string, Took> took_;  // taken warm containers, by container id
  bool warm_recovery_asked_ = false;    // recover() was called: on_warm_recovered is due once
  uint32_t warm_recovery_engines_ = 0;  // engines with warm_recovery_first set
  FileWorker files_;
  DockerAttach attach_;
  // Last: destroyed first, so no answer arrives into a half-destroyed backend.
  HttpClient client_;
};

}  // namespace ringside

#pragma once
// The simulated fleet (--backend sim): game servers that exist only in memory, with the
// behaviour of real ones — an image cache per server, pulls that take pull_ms and are shared
// by every launch waiting for the same image on the same server (single flight), container
// starts that take start_ms, pull and start failures injected at configured rates, CPU and
// memory figures on stop, and save data per slot that grows with every session. It lets the
// whole launch path, and load tests of it, run without Docker.
//
// Lives on the I/O core and runs on its timer wheel. Phases are reported from inside start()
// (and from the pull that ends); every final event — running, start failed, stopped — comes
// from a timer, never from inside start() or stop(), so a caller never sees a session end
// while it is still starting or stopping it. vanish_server() and restore_server() are fault
// injection and report at once.
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/flat_map.h"
#include "model/slab.h"

namespace ringside {

struct SimOptions {
  uint32_t pull_ms = 1500;
  uint32_t start_ms = 300;
  uint32_t stop_ms = 0;  // a running session's stop, to its figures (a container's grace period)
  double session_cpu_cores = 0.5;             // cores a session keeps busy while it runs
  uint32_t session_memory_mb = 768;           // the peak memory every session reports
  double pull_failure_rate = 0;               // 0..1: share of pulls that fail
  double start_failure_rate = 0;              // 0..1: share of container starts that fail
  uint32_t save_growth_bytes = 384;           // what each session adds to its slot's save data
  std::vector<std::string> preloaded_images;  // on every server at start
  uint64_t seed = 1;                          // of the fault-injection draws
};

class SimBackend final : public Backend {
 public:
  using Clock = std::function<uint64_t()>;  // ms, the clock `timers` is advanced with

  SimBackend(std::vector<GameServerInfo> servers, SimOptions options, TimerWheel& timers,
             Clock now_ms, BackendEvents& events);
  ~SimBackend() override;
  SimBackend(const SimBackend&) = delete;
  SimBackend& operator=(const SimBackend&) = delete;

  std::string_view name() const override { return "sim"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  bool has_image(uint32_t server, std::string_view image) const override;
  // A start on a server that is gone (or out of range) fails with kServerLost; a second
  // start of a session id still known is ignored.
  void start(PlacedSession spec) override;
  // A session still pulling or creating is cancelled (it never runs) and reports zero
  // figures; a running one reports cores x seconds run, the configured peak memory, and the
  // size of the save data it wrote back. Unknown or already stopping: ignored.
  void stop(const Id128& session) override;
  // Adopts every recovered running session on a server that is up, as running from now; the
  // others are lost. A start cut short on a server fails (kStartFailed); one without a server
  // left nothing: on_no_room (from a timer), and placement places it again. May be called
  // again (cluster mode: once per partition acquired) and after starts. The first one reports
  // on_warm_recovered from a timer (it finds no warm container: see below).
  void recover(std::vector<PlacedSession> sessions) override;
  bool recovers_unplaced_starts() const override { return true; }
  // Drops the session in whatever state it is; reports nothing. A pull it waited for goes on
  // for the other waiters (and the cache).
  void forget(const Id128& session) override;

  // Warm containers: one is ready start_ms after warm_create (pull_ms more, and the image
  // cached, on a server without it); a start() that takes it is running from a timer armed at
  // once. One not held (retired, gone) makes its take on_no_room. Retire and forget drop it;
  // a vanished server's are gone. recover() finds none: nothing outlives this process here.
  bool supports_warm() const override { return true; }
  void warm_create(WarmContainer warm) override;
  void warm_retire(uint64_t warm) override;
  void forget_warm(uint64_t warm) override;
  // Joins (or starts) the server's pull of the image; on_prefetched when it ends, from a timer.
  void prefetch(uint32_t server, std::string_view image) override;
  size_t warm_count() const { return warms_.size(); }

  // Fault injection: the server disappears with everything on it. on_server_health(false)
  // first, then its running sessions are lost and its starting ones fail, both with
  // kServerLost; its images and pulls are gone. Sessions already stopping still report.
  void vanish_server(uint32_t server);
  // Brings a vanished server back, empty (no image cached): on_server_health(true).
  void restore_server(uint32_t server);

  uint64_t pulls_started() const { return pulls_started_; }
  // Sessions started and not yet ended (a stopping one counts until its on_stopped).
  size_t session_count() const { return sessions_.size(); }
  // Size of the save data held for a slot (0 for a slot never saved).
  uint64_t saved_bytes(const Id128& slot) const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  // kNoRoom: a recovered start without a server, until on_no_room gives it back.
  enum class State : uint8_t { kPulling, kCreating, kFailing, kRunning, kStopping, kNoRoom };

  // Its timer: kCreating until the container is up, kFailing / kStopping / kNoRoom until the
  // final event is reported. Pulling and running sessions have none armed.
  struct Session : TimerNode {
    SimBackend* backend = nullptr;
    Id128 id;
    Id128 save_slot;
    uint64_t save_bytes = 0;  // the save data inside the container
    uint64_t running_since_ms = 0;
    SessionFigures figures;  // kStopping: what on_stopped reports
    uint32_t index = 0;      // in sessions_
    uint32_t server = 0;
    uint32_t image = 0;
    uint32_t pull = kNone;                     // kPulling: the pull it waits for
    SessionError error = SessionError::kNone;  // kFailing: what on_start_failed reports
    State state = State::kCreating;
    bool fresh_slot = false;
  };

  // One image being pulled to one server, and the sessions waiting for it.
  struct Pull : TimerNode {
    SimBackend* backend = nullptr;
    uint32_t index = 0;  // in pulls_
    uint32_t server = 0;
    uint32_t image = 0;
    std::vector<Id128> waiters;
    bool prefetched = false;   // a prefetch() waits for it too
    bool answer_only = false;  // no pull: answers a prefetch of an image already there
  };

  // A warm container: created (its timer), then ready and waiting for a take.
  struct Warm : TimerNode {
    SimBackend* backend = nullptr;
    uint64_t id = 0;
    uint32_t server = 0;
    uint32_t image = 0;
    bool ready = false;
  };

  // The first recover()'s on_warm_recovered, from the next turn of the loop.
  struct WarmRecoveredTimer : TimerNode {
    SimBackend* backend = nullptr;
    bool armed_once = false;
  };

  struct ServerState {
    bool up = true;
    std::vector<uint8_t> cached;  // by image id
    std::vector<uint32_t> pull;   // by image id: the pull under way, or kNone
  };

  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  uint32_t intern(std::string_view image);
  Session* find(const Id128& id);
  // A new session record from start() or recover(), findable by id; the caller sets its state
  // (and a start's image).
  Session& add_session(const PlacedSession& spec);
  void join_pull(Session& s);
  void begin_creating(Session& s);
  // Reports the start failure from the session's timer (start() never reports one itself).
  void fail_later(Session& s, SessionError error);
  // Removes the session, then reports its failure.
  void finish_failed(Session& s, SessionError error);
  // Removes the session (cancelling its timer, leaving its pull); reports nothing.
  void forget(Session& s);
  void leave_pull(Session& s);
  bool roll(double rate);
  void set_saved(const Id128& slot, uint64_t bytes);

  static void on_session_timer(TimerNode* node);
  static void on_pull_done(TimerNode* node);
  static void on_warm_timer(TimerNode* node);
  static void on_warm_recovered_timer(TimerNode* node);
  // The pull of `image` to `server` under way, started if none.
  uint32_t pull_for(uint32_t server, uint32_t image);
  void drop_warm(uint64_t id);

  std::vector<GameServerInfo> servers_;
  SimOptions options_;
  TimerWheel& timers_;
  Clock now_ms_;
  BackendEvents& events_;
  std::vector<ServerState> state_;  // by server
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> image_ids_;
  Slab<Session, 1024> sessions_;
  FlatMap<Id128, uint32_t, Id128Hasher> session_index_;
  Slab<Pull, 64> pulls_;
  std::unordered_map<uint64_t, Warm> warms_;  // by WarmContainer::warm (node addresses stable)
  WarmRecoveredTimer warm_recovered_;
  std::vector<std::string> image_names_;         // by image id
  FlatMap<Id128, uint64_t, Id128Hasher> saves_;  // save slot -> bytes of save data
  std::mt19937_64 rng_;
  uint64_t pulls_started_ = 0;
};

}  // namespace ringside

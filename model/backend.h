#pragma once
// The seam between placement and the machines that run games. Three implementations — sim,
// docker, gameye — all living on the I/O core's loop: every call returns at once, and the
// outcome comes back later through BackendEvents, on the same thread. The scheduler and the
// API cannot tell them apart.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/ids.h"
#include "model/partition.h"
#include "model/session_types.h"

namespace ringside {

// One game server as placement sees it. Fixed at start-up.
struct GameServerInfo {
  std::string name;
  std::string url_base;  // serverUrl; containerUrl is url_base + "/session/" + id + "/"
  uint32_t cpu_millicores = 0;
  uint32_t memory_mb = 0;
  uint32_t slots = 0;
};

// PlacedSession::server of a start cut short before the store knew where it was placed.
inline constexpr uint32_t kUnknownServer = UINT32_MAX;

// A session placed on a game server, as a backend gets it: from start() (placement chose the
// server just now) or from recover() after a restart (the store's record of a session that was
// starting, running or stopping). A recovered one differs only in was_running and was_stopping,
// a server that may be unknown, and the fields a start alone has (fresh_slot, the limits: its
// container has them).
// The strings are its own: a backend moves them into its record of the session, or keeps a
// recovered one until it has looked for it.
struct PlacedSession {
  Id128 session;                // ringside's session id (its random part)
  std::string session_id_text;  // the id as the API shows it (labels, URLs)
  std::string player_id;
  std::string game_slug;
  std::string image;
  std::string save_dir;        // where the game keeps its save data inside the container
  Id128 save_slot;             // the slot whose save data goes in
  std::string save_slot_text;  // its id as the API shows it (a hosted backend's save name)
  bool fresh_slot = false;     // the slot is new: nothing to copy in (start() only)
  uint32_t server = 0;         // where it is placed; kUnknownServer in a recovered start cut short
  // Resource limits (ceilings): the game's declared figures, or its profile when larger.
  // start() only.
  uint32_t cpu_millicores = 0;
  uint32_t memory_mb = 0;
  bool was_running = false;  // recover() only: running (else a start the restart cut short)
  // recover() only: stopping, its stop asked for before this node got it (was_running too). A
  // container found exited was stopped by that stop: the session ends stopped, its save kept.
  bool was_stopping = false;
  // start() only: the warm container to take (a WarmContainer::warm this backend reported
  // ready), or 0 to create one. A take puts the save data in and starts the game; its outcome
  // is reported as a start's. A take that fails leaves nothing (the container removed) and is
  // reported on_no_room: placement places the launch again, cold.
  uint64_t warm = 0;
};

// A container started ahead of demand for a game, its game waiting for a session
// (docs/warm-pools.md). Placement chooses the server and the limits, as for a launch.
struct WarmContainer {
  uint64_t warm = 0;  // placement's id of it; never 0
  std::string game_slug;
  std::string image;
  std::string save_dir;
  uint32_t server = 0;
  uint32_t cpu_millicores = 0;
  uint32_t memory_mb = 0;
  // The player id its labels carry (a synthetic "warm-..." id): in a cluster, the partition
  // whose owner judges it while nobody has taken it (Backend::set_serves).
  std::string label_player;
};

// What runs on a server that this node did not place there (cluster mode: other nodes'
// sessions; on any node: orphans not removed yet), as its backend counts it from what the server
// really runs. Placement counts it as taken (Scheduler::set_foreign).
struct ForeignUse {
  uint32_t slots = 0;
  uint32_t cpu_millicores = 0;
  uint32_t memory_mb = 0;
  friend bool operator==(const ForeignUse&, const ForeignUse&) = default;
};

class BackendEvents {
 public:
  virtual ~BackendEvents() = default;
  virtual void on_phase(const Id128& session, StartPhase phase) = 0;
  // Before on_running, from a backend whose sessions have an address of their own (a hosted
  // session's host and port). Without it, serverUrl is the server's url_base.
  virtual void on_session_url(const Id128& session, std::string_view server_url) {
    (void)session;
    (void)server_url;
  }
  // The session is started (or found running) on `server`, not where placement put it: a
  // start moved to another server after the first refused it (Gameye's 420), or a session
  // recover() was given without a server found on one. Placement moves its reservation there;
  // on_running and the rest follow as for any session.
  virtual void on_relocated(const Id128& session, uint32_t server) {
    (void)session;
    (void)server;
  }
  virtual void on_running(const Id128& session) = 0;
  virtual void on_start_failed(const Id128& session, SessionError error) = 0;
  // After stop(): exactly once per session that start() was called for.
  virtual void on_stopped(const Id128& session, const SessionFigures& figures) = 0;
  // A running session was lost without a stop (server or container gone).
  virtual void on_lost(const Id128& session, SessionError error) = 0;
  virtual void on_server_health(uint32_t server, bool up) = 0;
  // Up, but taking no new launch for now (a Gameye location that answered 420 cools down):
  // placement passes it over until told otherwise. Not a health change: readiness and
  // ringside_game_server_up stay as they are, and its sessions are not affected.
  virtual void on_server_refusing(uint32_t server, bool refusing) {
    (void)server;
    (void)refusing;
  }
  // What a server really has, from a backend that can ask (Docker's /info), when it is first
  // reached and whenever it comes back. Nothing beyond it is ever reserved or asked for.
  virtual void on_server_capacity(uint32_t server, uint32_t cpu_millicores, uint32_t memory_mb) {
    (void)server;
    (void)cpu_millicores;
    (void)memory_mb;
  }
  // What runs on `server` that this node did not place (see ForeignUse), whenever it changed.
  virtual void on_server_foreign(uint32_t server, ForeignUse use) {
    (void)server;
    (void)use;
  }
  // A start found its server full after all (another node took the last slot first): the
  // backend left nothing of it on the server and forgot it. Placement places it again, on
  // another server or in the queue; nothing else is reported for that start.
  virtual void on_no_room(const Id128& session) { (void)session; }

  // Warm containers (Backend::supports_warm). Ready: created, started, up (healthy when the image
  // says how) and waiting; from now on a start() may take it.
  virtual void on_warm_ready(uint64_t warm) { (void)warm; }
  // Gone before anyone took it: it could not be made, or it died or vanished behind ringside's
  // back. The backend left nothing of it (removed what it could). Not reported for one
  // retired with warm_retire() nor for one a start() took.
  virtual void on_warm_gone(uint64_t warm) { (void)warm; }
  // recover() found a warm container that nobody took, judged here (its label_player's
  // partition is served here): placement gives it an id, reserves its limits on `server` and
  // returns the id, from then on it is a ready warm container like any other; or returns 0 (its
  // game has no pool, or another image now), and the backend removes it. `label_player` is the
  // player id it is labelled with (WarmContainer::label_player, `ringside.player`; empty when
  // it has none): placement keeps it, so that the container is forgotten with its partition.
  virtual uint64_t on_warm_found(uint32_t server, std::string_view game_slug,
                                 std::string_view image, uint32_t cpu_millicores,
                                 uint32_t memory_mb, std::string_view label_player) {
    (void)server;
    (void)game_slug;
    (void)image;
    (void)cpu_millicores;
    (void)memory_mb;
    (void)label_player;
    return 0;
  }
  // Once, after the first recover(), from a backend that supports_warm: every warm container
  // found at start on the servers that could be listed has been reported (on_warm_found, or
  // removed). A server down or unanswering then counts as listed: what it holds is found when
  // it comes back, and the pool's size rule trims a surplus. Until this, placement neither
  // makes nor shrinks warm containers: a pool filled before its found ones are known would be
  // made twice over and trimmed back, churning the engines. Later recover()s (cluster mode:
  // one per partition acquired) do not send it again. May come from inside recover().
  virtual void on_warm_recovered() {}
  // A pull asked with Backend::prefetch ended: `image` is on `server` (ok) or is not.
  virtual void on_prefetched(uint32_t server, std::string_view image, bool ok) {
    (void)server;
    (void)image;
    (void)ok;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  virtual const std::vector<GameServerInfo>& servers() const = 0;
  // The backend's own name for a session it holds — Docker: its container's id once created;
  // Gameye: the hosted session's id — or empty when it has none (not made yet, gone, or the
  // simulated backend). For the operator's view of a session (docs/operator-api.md).
  virtual std::string_view backend_id(const Id128& session) const {
    (void)session;
    return {};
  }
  // Whether `server` holds `image` already (cache-aware placement at start-up).
  virtual bool has_image(uint32_t server, std::string_view image) const = 0;
  // Pull if needed (phase kPulling; one pull per server and image however many launches
  // wait for it), create (kCreating) with the save data copied in, start: then on_running,
  // or on_start_failed.
  virtual void start(PlacedSession session) = 0;
  // Stops a session that is starting or running: cancels what is under way, collects the
  // figures, persists the save data, removes the container, then on_stopped.
  virtual void stop(const Id128& session) = 0;
  // After a restart, before any start(): the sessions the store knows were starting, running
  // or stopping. In cluster mode also once per partition the node acquires, after start()s of
  // its other partitions (docs/cluster.md). The backend looks at what its servers really run
  // and reports every one of them: on_running (adopted: still up; stop() works on it from now
  // on; for a start that was cut short, once its game is up, as the start would have),
  // on_lost(kContainerLost) (gone), on_stopped (was_stopping, and its game ended: by that stop;
  // figures unknown but the save's), or on_start_failed(kStartFailed) for a start cut short that
  // left nothing running (whatever it left behind is removed). A backend that keeps the save
  // data (Docker) persists it from a game found ended first, as a stop would. What runs with
  // ringside's labels but is not in the list is an orphan, removed after the grace period.
  virtual void recover(std::vector<PlacedSession> sessions) = 0;
  // Whether recover() may be given starts cut short whose server the store does not know
  // (server kUnknownServer): the backend finds where they run, reports it with on_relocated
  // before on_running; one it can tell exists nowhere it gives back with on_no_room (placement
  // places it again: a launch queued or pulling when its node died is not lost); one it cannot
  // tell about it fails. Gameye (its listing shows sessions by label, location included),
  // Docker (every engine's listing) and the sim can; other backends get such starts failed by
  // placement.
  virtual bool recovers_unplaced_starts() const { return false; }
  // Cluster mode: this node no longer owns the session's partition. The backend drops the
  // session at once, abandoning its calls in flight, WITHOUT stopping it and without reporting
  // anything: its container (hosted session) keeps running for the partition's next owner, who
  // adopts it through recover(). Unknown: ignored.
  virtual void forget(const Id128& session) = 0;

  // Warm pools (docs/warm-pools.md). A backend that supports them creates and starts a warm
  // container on warm_create (then on_warm_ready or on_warm_gone), takes one in start() (
  // PlacedSession::warm), removes one on warm_retire (no event follows), and in recover() also
  // finds the warm containers on its servers: each nobody took is reported on_warm_found (if
  // judged here), each taken is the session its take names; after the first recover(), once
  // those are reported, on_warm_recovered. Cluster mode: forget_warm drops one without removing
  // it (its partition left this node).
  virtual bool supports_warm() const { return false; }
  virtual void warm_create(WarmContainer warm) { (void)warm; }
  virtual void warm_retire(uint64_t warm) { (void)warm; }
  virtual void forget_warm(uint64_t warm) { (void)warm; }
  // Pulls `image` onto `server` ahead of demand, through the same one pull per server and image
  // that starts use (a start that needs it meanwhile shares it); on_prefetched when it ends. An
  // image already there: on_prefetched(ok) at once (from the next turn of the loop).
  virtual void prefetch(uint32_t server, std::string_view image) {
    (void)server;
    (void)image;
  }

  // Cluster mode: the partitions this node serves (model/partition.h). A labelled container or
  // hosted session of a partition it does not serve is never an orphan here: that partition's
  // owner judges it. Not set (one node): every partition is this node's.
  void set_serves(std::function<bool(uint16_t partition)> serves) { serves_ = std::move(serves); }

 protected:
  // Whether this node judges what runs for `player_id` (its ringside.player label): true on one
  // node; in a cluster, when the player's partition is served here. A label missing (empty):
  // false in a cluster, since no partition can be told.
  bool judges(std::string_view player_id) const {
    if (!serves_) return true;
    return !player_id.empty() && serves_(partition_of_player(player_id));
  }

 private:
  std::function<bool(uint16_t partition)> serves_;
};

}  // namespace ringside

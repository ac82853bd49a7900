#pragma once
// One shard's players, game sessions and save slots (SPEC: Sessions API; Resume, history,
// details). Pure bookkeeping on the owning shard's thread: no I/O, no messages. The API layer
// decides what to ask the I/O core; this store remembers what is true.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "model/flat_map.h"
#include "model/ids.h"
#include "model/loaded_state.h"
#include "model/partition.h"
#include "model/session_types.h"
#include "model/slab.h"
#include "model/token_bucket.h"

namespace ringside {

inline constexpr uint32_t kNoSession = 0xFFFFFFFF;
inline constexpr size_t kHistoryKept = 100;  // per player, the most the history API returns

struct SaveSlot {
  Id128 id;
  uint16_t game;
  int64_t created_ms;
  int64_t updated_ms;
  uint64_t size_bytes;
  IdOwner owner;  // what its id's text says (a legacy slot keeps its old spelling)
};

struct Player {
  std::string id;
  uint16_t partition = 0;  // partition_of_player(id): what a partition's release drops
  uint32_t active = kNoSession;
  TokenBucketState launch_bucket;
  std::vector<uint32_t> history;  // ended sessions, oldest first
  std::vector<SaveSlot> slots;
};

class SessionStore;

// The node is its one timer: idle reclaim, and the time limit while running. One node for both
// (armed at the earlier deadline, which it tells apart when it fires) rather than a second
// node: a second would cost 32 bytes a session, the limit's fields cost 8 (docs/decisions.md).
struct GameSession : TimerNode {
  SessionStore* store = nullptr;  // whose timer fired (TimerNode::on_fire has no context)
  Id128 id;
  Id128 slot;
  IdOwner owner;       // what the id's text says: the partition, or a legacy id's shard
  IdOwner slot_owner;  // the same of the slot's id
  uint32_t player = 0;
  uint32_t server = 0;
  uint16_t game = 0;
  SessionStatus status = SessionStatus::kStarting;
  StartPhase phase = StartPhase::kQueued;
  SessionError error = SessionError::kNone;
  EndReason end_reason = EndReason::kNone;
  bool kept_alive = false;                  // marked for write-back since take_kept_alive()
  SaveError save_error = SaveError::kNone;  // a stop that could not keep the save data
  int64_t started_ms = 0;                   // the launch
  int64_t running_ms = 0;                   // when it became running; 0: it never ran
  int64_t ended_ms = 0;
  int64_t last_keepalive_ms = 0;
  // The last_keepalive_ms the database holds (written or loaded). 8 bytes take the struct from
  // 144 to 152; a 4-byte offset would cost the same (no padding to fill, 8-byte alignment).
  int64_t keepalive_written_ms = 0;
  double cpu_seconds = 0;
  double peak_memory_mb = 0;
  // The time limit fixed when it became running (the game's, else --max-session-seconds; a
  // catalog reload changes later sessions only); 0: none.
  uint32_t limit_s = 0;
  // While queued: its place in the launch queue (ringside::QueueTicket, from the I/O core).
  uint32_t queue_ticket = 0;
  // The operator's timeline (docs/operator-api.md, "Sessions"): when it reached pulling,
  // creating and stopping, in ms after started_ms (0: not reached, or restored from the
  // database, which keeps no such times; saturates past 49 days). Queued, running and the end
  // are started_ms, running_ms and ended_ms. These 12 bytes and `placed` take the struct from
  // 152 to 168 bytes (1 MiB more per 65 536 sessions kept); written only by phase, running and
  // stop events, never by a poll.
  uint32_t pulling_after_ms = 0;
  uint32_t creating_after_ms = 0;
  uint32_t stopping_after_ms = 0;
  bool placed = false;  // `server` names where it is (pulling, creating, running) or was
  // How its start got its container (SessionRunning::start_kind; the operator's `startKind`).
  // kUnknown before running and when restored from the database, which does not keep it. One
  // byte in the padding after `placed`: the struct stays 176 bytes.
  StartKind start_kind = StartKind::kUnknown;

  // Milliseconds from the launch to `now_ms`, as the timeline fields keep them.
  uint32_t after_launch_ms(int64_t now_ms) const {
    const int64_t d = now_ms - started_ms;
    return d < 1 ? 1 : d > int64_t{UINT32_MAX} ? UINT32_MAX : static_cast<uint32_t>(d);
  }

  // Whether its keepalive time moved since the database got it.
  bool keepalive_unwritten() const { return last_keepalive_ms != keepalive_written_ms; }
  bool active() const {
    return status == SessionStatus::kStarting || status == SessionStatus::kRunning ||
           status == SessionStatus::kStopping;
  }
  // The time it was running, from `running` to its end (or now): what a player is billed
  // for. Queueing, the pull and the start are not play (docs/decisions.md).
  int64_t duration_ms(int64_t now_ms) const {
    if (running_ms == 0) return 0;
    const int64_t end = ended_ms ? ended_ms : now_ms;
    return end > running_ms ? end - running_ms : 0;  // a wall clock stepped back: nothing
  }
  // When a running session with a time limit is stopped (unix ms); 0: no limit applies now.
  int64_t ends_at_ms() const {
    if (status != SessionStatus::kRunning || limit_s == 0 || running_ms == 0) return 0;
    return running_ms + int64_t{limit_s} * 1000;
  }
};
// 176 since issue 17: the time limit and queue ticket (8 bytes), the timeline (13); 152 before.
static_assert(sizeof(GameSession) == 176, "one per session kept: keep it small");

class SessionStore {
 public:
  // Called when an active session's time is up: `why` is kIdleTimeout (no keepalive for the
  // idle timeout) or kMaxDuration (running for its limit_s).
  using TimeoutHandler = void (*)(void* ctx, uint32_t session, EndReason why);

  SessionStore(TimerWheel& timers, const Clock& clock, int64_t idle_timeout_ms,
               TimeoutHandler on_timeout, void* ctx);
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  uint32_t find_or_add_player(std::string_view id);
  Player& player(uint32_t index) { return players_[index]; }

  // A new session in `starting`/`queued`; it becomes the player's active session. Its id names
  // the player's partition.
  uint32_t create(uint32_t player, uint16_t game, const Id128& slot, IdOwner slot_owner);
  // The session with this id, if it exists and belongs to `player`.
  GameSession* find(const Id128& id, uint32_t player);
  GameSession* find(const Id128& id);
  // Starts loading what find(id) reads, waiting only for the id's slot in the index: a caller
  // with another lookup to do (the token's) does it meanwhile, so their cache misses overlap.
  void prefetch(const Id128& id) const {
    if (const uint32_t* index = by_id_.find(id)) sessions_.prefetch(*index);
  }
  GameSession& session(uint32_t index) { return sessions_[index]; }
  // The player with this id, or kNoPlayer (nothing is added).
  static constexpr uint32_t kNoPlayer = 0xFFFFFFFF;
  uint32_t find_player(std::string_view id);
  // Calls fn(GameSession&) for every session kept here, active and ended (the operator's
  // listing: a scan, and rare).
  template <typename Fn>
  void for_each_session(Fn&& fn) {
    sessions_.for_each([&](uint32_t, GameSession& s) { fn(s); });
  }
  uint32_t index_of(const Id128& id) const;

  void keepalive(GameSession& s);
  int64_t idle_deadline_ms(const GameSession& s) const {
    return s.last_keepalive_ms + idle_timeout_ms_;
  }
  // Gives a running session its time limit (0: none) and moves its timer to the earlier of its
  // idle deadline and its end: for one that just became running, and one restored running.
  void set_time_limit(GameSession& s, uint32_t limit_s);
  // Moves the session to a final status and into its player's history.
  void end(GameSession& s, SessionStatus final_status, EndReason reason, SessionError error,
           double cpu_seconds, double peak_memory_mb);

  // --- Durability (store/durable) ---
  // A session read back from the database at start: an active one becomes its player's
  // active session (its idle timer armed), an ended one joins its player's history.
  uint32_t restore(uint32_t player, const LoadedSession& loaded);
  void restore_slot(uint32_t player, const SaveSlot& slot);
  // Removes a session whose launch could not be made durable, as if it never was.
  void discard(uint32_t index);
  void remove_slot(Player& p, const Id128& id);
  // Remember which sessions got keepalives, for lazy write-back (docs/postgres.md): a keepalive
  // marks its session only once its time moved by a step (a tenth of the idle timeout, at least
  // 1 ms) past the one the database holds, so a session kept alive all the time costs one row
  // write per step, not one per flush.
  void track_keepalives() { track_keepalives_ = true; }
  int64_t write_back_step_ms() const { return step_ms_; }
  // Calls fn(const GameSession&) for each active session marked since the last call, and counts
  // its keepalive time as written.
  template <typename Fn>
  void take_kept_alive(Fn&& fn) {
    for (const Id128& id : kept_alive_) {
      GameSession* s = find(id);
      if (!s || !s->kept_alive) continue;
      s->kept_alive = false;
      if (!s->active()) continue;
      s->keepalive_written_ms = s->last_keepalive_ms;
      fn(static_cast<const GameSession&>(*s));
    }
    kept_alive_.clear();
  }
  // Calls fn(const GameSession&) for every active session whose keepalive time moved at all
  // since written, marked or not, and counts it as written: what the drain writes, so that a
  // clean restart loses nothing. A scan: it runs once, at the end.
  template <typename Fn>
  void take_unwritten_keepalives(Fn&& fn) {
    sessions_.for_each([&](uint32_t, GameSession& s) {
      s.kept_alive = false;
      if (!s.active() || !s.keepalive_unwritten()) return;
      s.keepalive_written_ms = s.last_keepalive_ms;
      fn(static_cast<const GameSession&>(s));
    });
    kept_alive_.clear();
  }

  // --- Partitions (docs/cluster.md, "A partition on its shard") ---
  // Drops every record of the partition's players: their sessions (idle timers cancelled),
  // history, save slots and launch buckets, and the players themselves. Calls
  // on_session(const GameSession&) for each session just before it goes, so the caller can
  // forget what it keeps about it (and write a keepalive time still unwritten). A scan of the
  // shard's players: a release is rare. Returns how many players went. Their indices are reused
  // afterwards: whatever else names a player by index (token sessions) must be dropped first.
  template <typename Fn>
  size_t drop_partition(uint16_t partition, Fn&& on_session) {
    size_t dropped = 0;
    players_.for_each([&](uint32_t index, Player& p) {
      if (p.partition != partition) return;
      for (uint32_t s : p.history) {
        on_session(static_cast<const GameSession&>(sessions_[s]));
        drop_session(s);
      }
      if (p.active != kNoSession) {
        on_session(static_cast<const GameSession&>(sessions_[p.active]));
        drop_session(p.active);
      }
      erase_player(index);  // Slab::for_each allows erasing the element it hands out
      ++dropped;
    });
    return dropped;
  }

  SaveSlot* find_slot(Player& p, const Id128& id);
  SaveSlot* latest_slot(Player& p, uint16_t game);
  SaveSlot& new_slot(Player& p, uint16_t game);

  size_t player_count() const { return players_.size(); }
  size_t session_count() const { return sessions_.size(); }
  size_t memory_bytes() const;
  // Active sessions by status, for /metrics.
  uint64_t count(SessionStatus status) const { return by_status_[static_cast<int>(status)]; }
  void set_status(GameSession& s, SessionStatus status);

 private:
  struct U64Hasher {
    uint64_t operator()(uint64_t v) const {
      v ^= v >> 33;
      v *= 0xff51afd7ed558ccdULL;
      return v ^ (v >> 33);
    }
  };
  // Arms the session's timer at the earlier of its idle deadline and ends_at_ms().
  void arm_timer(GameSession& s);
  static void on_timer(TimerNode* node);
  void forget(uint32_t index);
  void drop_session(uint32_t index) {
    timers_.cancel(&sessions_[index]);  // its idle timer must not fire for a session gone
    forget(index);
  }
  void erase_player(uint32_t index);
  // The player index's key: its id's hash. Ids can be chosen to collide (the hash is not
  // keyed), so the key is never the identity: the id in the record is (see player_index_).
  static uint64_t player_hash(std::string_view id);

  TimerWheel& timers_;
  const Clock& clock_;
  int64_t idle_timeout_ms_;
  int64_t step_ms_;  // write_back_step_ms()
  TimeoutHandler on_timeout_;
  void* ctx_;
  Slab<Player> players_;
  // Players by a 64-bit hash of their id: 16 bytes a player where a node-based map of strings
  // costs about 80. Used only through FlatMap's duplicate-key calls: ids with the same hash
  // are separate entries under one key, told apart by the id in their record, and an erase
  // removes exactly one entry (FlatMap's backward shift keeps every other reachable).
  FlatMap<uint64_t, uint32_t, U64Hasher> player_index_;
  Slab<GameSession> sessions_;
  FlatMap<Id128, uint32_t, Id128Hasher> by_id_;
  uint64_t by_status_[kSessionStatusCount] = {};
  std::vector<Id128> kept_alive_;
  bool track_keepalives_ = false;
};

}  // namespace ringside

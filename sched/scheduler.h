#pragma once
// Placement of game sessions on game servers: cache-aware (a server that already has the
// game's image saves a pull of up to a minute), load-aware (free CPU, memory and a session
// slot against the game's resource profile), with a bounded queue for launches that fit
// nowhere yet. Runs on the I/O thread only, so nothing here locks.
//
// Capacity is counted in integers — millicores, MB, slots — so that any sequence of
// placements and releases returns a server to exactly zero reserved, which sums of doubles
// would not.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/backend.h"
#include "model/catalog.h"
#include "sched/resource_profile.h"

namespace ringside {

// What one session holds on its server, besides one slot.
struct Reservation {
  uint32_t cpu_millicores = 0;
  uint32_t memory_mb = 0;
};

// Rounds the profile up to whole millicores and MB; unknown or negative figures reserve 0.
Reservation reservation_for(const ResourceProfile& profile);

// The limits of a container of `game` placed with `reserved` (a launch's, or a warm one's that a
// launch will take): ceilings, not the average the scheduler reserves — capping a container at
// the mean of past peaks would kill every session that peaks above it. The game's declared
// figures (catalog), or what it has been seen to need when that is more.
Reservation container_limits(const Game& game, Reservation reserved);

struct ServerState {
  std::string name;
  uint32_t cpu_capacity_millicores = 0;
  uint32_t memory_capacity_mb = 0;
  uint32_t slot_capacity = 0;  // sessions the server may run at once
  uint32_t cpu_reserved_millicores = 0;
  uint32_t memory_reserved_mb = 0;
  uint32_t slots_used = 0;
  // What others hold here (Scheduler::set_foreign): taken, but never this node's to release.
  ForeignUse foreign;
  bool up = true;
  bool refusing = false;  // up, but its backend takes no launch there for now
  // An operator took it out of placement (cordon, drain): nothing new goes there; what runs
  // there runs on. Distinct from up and refusing, which its backend reports.
  bool cordoned = false;

  bool takes_launches() const { return up && !refusing && !cordoned; }

  // Whether a session of this size fits in what is free now (up or not): what is neither
  // reserved nor in foreign use.
  bool fits(Reservation demand) const;
  // Whether it would fit on this server with nothing else on it — foreign use included in
  // that nothing. It asks what the server could ever hold, not what is free: it cuts demands
  // and decides which queued request may hold the queue (see submit, drain_queue), and
  // foreign use ends as own sessions do. Counting it here would cut a game's reservation for
  // good because other nodes were busy at the moment, and let a large request stop holding
  // the queue — starve — exactly while others' sessions fill the server.
  bool could_hold(Reservation demand) const;
  // Slots taken, own and foreign.
  uint64_t slots_taken() const { return uint64_t{slots_used} + foreign.slots; }

  // Images the server has, by ids the caller interns densely from 0 (a bit per id).
  // Add an image when its pull starts, so that concurrent launches of that game share the
  // pull on this server; remove it if the pull fails or the image is deleted.
  bool has_image(uint32_t image_id) const;
  void add_image(uint32_t image_id);
  void remove_image(uint32_t image_id);

 private:
  std::vector<uint64_t> image_bits_;
};

struct PlacementRequest {
  uint64_t request_id;
  uint32_t image_id;
  ResourceProfile profile;
};

struct Placement {
  uint64_t request_id;
  uint32_t server;
  bool cached;           // the server has (or is pulling, see add_image) the image
  Reservation reserved;  // hand back to release() exactly as is
};

class Scheduler {
 public:
  // A queued request may be passed by this many later placements before it stops the queue
  // (see drain_queue); 0 makes the queue strictly first-in first-out.
  static constexpr uint32_t kDefaultMaxBypass = 8;

  explicit Scheduler(size_t queue_capacity, uint32_t max_bypass = kDefaultMaxBypass);

  uint32_t add_server(ServerState server);  // returns its index
  ServerState& server(uint32_t index) { return servers_.at(index); }
  const ServerState& server(uint32_t index) const { return servers_.at(index); }
  size_t server_count() const { return servers_.size(); }

  // A down server takes no placements; its sessions are the caller's to release. Bringing a
  // server up does not place anything by itself: call drain_queue() after.
  void set_server_up(uint32_t index, bool up);
  void set_server_refusing(uint32_t index, bool refusing);
  // No new placement on a cordoned server; queued requests wait for another (a request only
  // a cordoned server could hold never holds the queue). Uncordoning places nothing by
  // itself: call drain_queue() after.
  void set_server_cordoned(uint32_t index, bool cordoned);
  // A server's CPU and memory capacity changed (what it really has became known). Queued
  // requests are fitted again (see submit); nothing is placed: call drain_queue() after.
  void set_capacity(uint32_t index, uint32_t cpu_millicores, uint32_t memory_mb);
  // What runs on a server that this node did not place (other nodes' sessions, orphans), as
  // its backend counts it: taken in fits() and in the choice's room, on top of this node's
  // own reservations, which it never mixes with, so that release() still returns those to
  // exactly zero. Not capacity: could_hold() and largest_capacity() ignore it (see
  // could_hold). Returns whether any figure dropped: call drain_queue() then.
  bool set_foreign(uint32_t index, ForeignUse use);
  // The largest CPU and the largest memory capacity among the servers that take sessions,
  // each on its own: the most any one session could be given. Foreign use does not lower it:
  // it bounds the learnt profiles, which are kept (persisted), and others' load passes.
  Reservation largest_capacity() const;

  enum class Outcome { kPlaced, kQueued, kRejected };

  // kPlaced: *placed is filled in and the server's capacity reserved. kQueued: no server fits
  // now (or the queue is held for an older request that was passed too often, see
  // drain_queue) and the queue has room. kRejected: the queue is full, or there is no server
  // that takes sessions.
  //
  // A profile larger than every server is not refused: the demand is cut, figure by figure,
  // to what the server that keeps the most of it could hold empty. A game is never made
  // unplaceable by its size, declared or learnt; it gets a whole server at most.
  //
  // Choice: among the servers that are up and fit, those that have the image come first;
  // among those, the one left with the most free room after the placement — the largest
  // smallest free fraction over CPU, memory and slots — and then the lowest index.
  // Spreading, not packing: a game's profile is an average, and a session that peaks above
  // it hurts its neighbours' frame times when a server is packed full, while the latency of
  // interactive play is the product. Packing would free whole servers for scaling down, but
  // the game servers here are a fixed pool (Docker engines, Gameye locations).
  //
  // A queued request gets the next queue ticket (*ticket): tickets count the requests that
  // entered the queue, so ticket - head_ticket() + 1 bounds its position (model/queue_estimate.h).
  Outcome submit(const PlacementRequest& request, Placement* placed, uint32_t* ticket = nullptr);

  // Places `request` now if a server among `candidates` (indexes; all servers when null) fits
  // it, by the choice rule of submit(); never queues and passes no queued request (what warm
  // containers are placed with: placement makes them only while nothing is queued). Returns
  // whether it placed (*placed filled in). Given back with release(), as any placement.
  bool place_now(const PlacementRequest& request, Placement* placed,
                 const std::vector<uint32_t>* candidates = nullptr);
  // Whether a queued request would fit on `server` once `freed` is given back there (what a
  // warm container gives way for): any of them, or only the newest (`newest_only`: the one
  // submit() just queued, a look that costs no pass over the queue).
  bool queued_fits_after_release(uint32_t server, Reservation freed,
                                 bool newest_only = false) const;
  // Whether a request for `image_id` is queued.
  bool queues_image(uint32_t image_id) const;

  // Reserves room on `server` for a session that already runs there (recovered after a
  // restart), whether or not it fits: it is there.
  Placement adopt(uint64_t request_id, uint32_t image_id, const ResourceProfile& profile,
                  uint32_t server);

  // Removes a queued request (true); false if it is not queued. A placed request is given
  // back with release().
  bool cancel(uint64_t request_id);

  // Gives back a placement's reservation on `server`, then drains the queue into `placed`.
  void release(uint32_t server, Reservation reserved, std::vector<Placement>& placed);

  // Places the queued requests that fit now, oldest first, appending them to `placed`; for
  // after capacity grew for another reason than a release (a server came up or was added).
  //
  // First fit with aging rather than strict FIFO: a request that does not fit (a large
  // game) does not hold back the smaller ones behind it that do, which strict FIFO would for
  // as long as it waits. But each placement that passes an older request counts against it,
  // and once a request has been passed max_bypass times, nothing behind it is placed until
  // it is — freed capacity then accumulates for it, so it cannot starve. A request that no
  // up server could hold even empty never holds the queue.
  void drain_queue(std::vector<Placement>& placed);

  size_t queued() const { return queue_.size(); }
  // The ticket of the oldest request still queued; with none queued, the next ticket given.
  uint32_t head_ticket() const { return queue_.empty() ? next_ticket_ : queue_.front().ticket; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  struct Waiting {
    uint64_t request_id;
    uint32_t image_id;
    Reservation demand;
    uint32_t bypassed;  // placements made ahead of it while it waited
    uint32_t ticket;    // its order of entry into the queue
    bool placed;        // during a drain pass: placed, to be removed by compact_walked()
  };

  // The server a request goes to by the choice rule above, among `candidates` (indexes),
  // or kNone.
  uint32_t choose(const std::vector<uint32_t>& candidates, uint32_t image_id,
                  Reservation demand) const;
  // Lists the up servers with a slot free, and returns how many. A drain pass after a release
  // in a busy system then looks at the one or two servers with room instead of all of them for
  // each queued request; placements during the pass only shrink the real list, and choose()
  // re-checks.
  size_t collect_open_servers();
  // Ends a drain pass that walked queue_[0, walked): removes the requests it placed, and
  // counts for each one kept the placements behind it (each passed it).
  void compact_walked(size_t walked);
  Placement place(uint64_t request_id, uint32_t image_id, Reservation demand, uint32_t index);
  // Cuts `demand` as submit() says; false when no server takes sessions at all.
  bool fit(Reservation& demand) const;
  bool any_up_server_could_hold(Reservation demand) const;
  // Whether this waiting request stops everything queued behind it.
  bool holds_queue(const Waiting& waiting) const;
  // Passed max_bypass times: it holds the queue if an up server could hold it.
  bool overdue(const Waiting& waiting) const { return waiting.bypassed >= max_bypass_; }

  std::vector<ServerState> servers_;
  // Oldest first. A deque: a drain pass removes what it placed from the front part it walked
  // without moving the rest (see drain_queue).
  std::deque<Waiting> queue_;
  std::vector<uint32_t> all_servers_;   // 0 .. n-1, the candidates of a new request
  std::vector<uint32_t> open_servers_;  // the candidates of a drain pass
  size_t queue_capacity_;
  uint32_t max_bypass_;
  uint32_t next_ticket_ = 1;  // 0 is model/queue_estimate.h's kNoTicket; skipped on wrap
  size_t overdue_ = 0;        // queued requests that are overdue(): submit scans only if any
};

}  // namespace ringside

#pragma once
// With --database-url, the operator's cordons and drains live in server_cordons (migration
// 0010; docs/operator-api.md, "Servers"), on the I/O core: written where an operator asks,
// read back by every node, so they outlive the node that was asked and hold cluster-wide.
//
// - An operator's cordon, uncordon or drain is written on the StoreWriter's connection; once it
//   committed, placement takes it here at once and the operator is answered (a database that
//   cannot take it: refused, 503). A drain's deadline is the database's now() + grace.
// - Every round (kHeartbeatMs, one node or a cluster) the table is read again and placement
//   converges to it: cordoned = a row; a drain's deadline turned into this node's clock from
//   `deadline - now()` read there. A row naming no server of this node's fleet is ignored,
//   logged once.
// - A drain's timer stops nothing itself: another node may have uncordoned the server, or
//   drained it again with a later deadline, just before the deadline, and this node has not
//   read that yet. The timer asks for a read at once; only a read that still shows the row
//   with its deadline passed by the database's clock stops the server's sessions here (a read
//   sent after the deadline sees every commit made before it). Sessions this node adopts on a
//   drained server later (a partition taken over, a restart) are stopped by placement as it
//   adopts them (SessionPlacement::recover). While the database cannot be read, nothing is
//   stopped: the drain waits for the next read that succeeds.
//
// Reads go on the writer's connection, whose pipeline answers in order: a round read sent
// before a command's write shows the old rows and is answered before the write commits, so a
// command taken here is never undone by a stale read.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "model/messages.h"
#include "model/runtime.h"
#include "model/server_cordon.h"
#include "sched/session_placement.h"
#include "store/pg/pg_connection.h"

namespace ringside {

class ServerCordons {
 public:
  ServerCordons(const Runtime& runtime, Reactor& reactor, PgConnection& connection,
                SessionPlacement& placement, uint64_t round_ms);
  ~ServerCordons();
  ServerCordons(const ServerCordons&) = delete;
  ServerCordons& operator=(const ServerCordons&) = delete;

  // The rows read at start (LoadedState::cordons), before placement recovers or places
  // anything; starts the rounds.
  void start(const std::vector<ServerCordon>& rows);
  // An operator's cordon, uncordon or drain of `server` (FleetCommand). `done(true)` once it
  // committed and placement took it; `done(false)` when the database did not take it: the
  // batch failed, the connection is down (at once), or it was not ready within kWaitMs (as the
  // StoreWriter refuses a request's write). Commands go out in the order they came.
  void command(FleetCommand::Action action, uint32_t server, uint64_t grace_ms,
               std::function<void(bool committed)> done);
  // Every state change of the connection: commands waiting for it go out once it is ready.
  void on_connection_state(PgConnection::State state);

  static constexpr uint64_t kWaitMs = 2000;

 private:
  // What placement was last given for a server.
  struct Applied {
    bool cordoned = false;
    bool draining = false;
    uint64_t deadline_ms = 0;  // the timers' clock, when draining
  };
  // A drain read back within this much of the one applied is the same drain (the two clocks,
  // the round trip): not applied again.
  static constexpr uint64_t kDeadlineSlackMs = 250;

  struct Command {
    FleetCommand::Action action;
    uint32_t server;
    uint64_t grace_ms;
    std::function<void(bool committed)> done;
    uint64_t until_ms;  // refused if not sent by then
  };

  struct SelfTimer : TimerNode {
    ServerCordons* self = nullptr;
  };
  static void on_round(TimerNode* node);
  static void on_wait_expired(TimerNode* node);
  void send_waiting();
  void write(Command&& command);
  void read();
  void converge(const std::vector<ServerCordon>& rows);
  // `read_back`: `want` is what a read showed (not a command this node wrote), so it may
  // confirm a drain whose timer fired.
  void apply(uint32_t server, const Applied& want, bool read_back);
  // A drain's timer fired (SessionPlacement::set_drain_confirm): read the table now.
  void on_drain_due();

  const Runtime& runtime_;
  Reactor& reactor_;
  PgConnection& connection_;
  SessionPlacement& placement_;
  uint64_t round_ms_;
  SelfTimer round_;
  SelfTimer wait_;               // the oldest waiting command's until_ms
  std::deque<Command> waiting_;  // for the connection to be ready
  bool reading_ = false;
  std::vector<Applied> applied_;             // by server
  std::vector<std::string> unknown_logged_;  // names not in the fleet, logged once
};

}  // namespace ringside

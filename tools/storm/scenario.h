#pragma once
// The simulated players: each one walks the flow a browser walks, one request at a time —
// operator launch, launch, a status poll every poll interval until running or error, a
// keepalive every keepalive interval while it plays, stop after the play time — and reports
// what it saw to RunStats and LaunchAccounting. Player n is "storm-<run>-<n>".
//
// Every request has an intended send time: the arrival time for the operator launch, the
// arrival of the previous answer for the launch, the timer's due time for polls, keepalives
// and stop. Latency is measured from it, so time spent waiting for a free connection or for
// storm's own loop counts against the server rather than vanishing (no coordinated omission).
#include <cstdint>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "tools/storm/accounting.h"
#include "tools/storm/client_pool.h"
#include "tools/storm/endpoints.h"
#include "tools/storm/response_fields.h"
#include "tools/storm/stats.h"

namespace ringside::storm {

struct ScenarioOptions {
  std::string host;  // Host header
  std::string operator_key;
  std::string game;
  std::string run_id;
  uint64_t poll_interval_ns = 2'000'000'000;
  uint64_t keepalive_interval_ns = 30'000'000'000;
  uint64_t play_time_ns = 10'000'000'000;
};

class Scenario {
 public:
  Scenario(ScenarioOptions options, ClientPool& pool, RunStats& stats,
           LaunchAccounting& accounting);

  // Room for `players` players, so that their table does not grow mid-run.
  void reserve(uint64_t players) { players_.reserve(players); }
  // A new player begins; its operator launch is due at `intended_ns`.
  void arrive(uint64_t intended_ns);
  // The answer (or failure) for the request of player `tag`: hand to ClientPool's callback.
  void on_result(uint64_t tag, const ClientResult& result);
  // Sends the requests of the players whose timers are due by `now_ns`.
  void fire_timers(uint64_t now_ns);
  // When the next timer is due; UINT64_MAX when none is armed.
  uint64_t next_timer_ns() const;
  // Players that have not finished their flow.
  uint64_t active() const { return active_; }
  std::string player_id(uint64_t n) const;

 private:
  enum class Step : uint8_t { kOperatorLaunch, kLaunch, kPoll, kKeepalive, kStop, kDone };
  struct Player {
    std::string token;
    std::string session_id;
    uint64_t intended_ns = 0;         // of the request in flight or the timer armed
    uint64_t launch_intended_ns = 0;  // of the launch request
    uint64_t play_until_ns = 0;
    uint64_t next_keepalive_ns = 0;
    Step step = Step::kOperatorLaunch;
  };

  static Endpoint endpoint_of(Step step);
  void send(uint32_t n, Step step, uint64_t intended_ns);
  void arm(uint32_t n, Step step, uint64_t due_ns);
  void arm_play(uint32_t n);  // the next keepalive or the stop, whichever comes first
  void finish(uint32_t n);
  void count_error(Endpoint endpoint, const ClientResult& result, std::string_view code);

  void on_operator_launch(uint32_t n, const ClientResult& result);
  void on_launch(uint32_t n, const ClientResult& result);
  void on_status(uint32_t n, const ClientResult& result);
  void on_keepalive(uint32_t n, const ClientResult& result);
  void on_stop(uint32_t n, const ClientResult& result);

  ScenarioOptions options_;
  ClientPool& pool_;
  RunStats& stats_;
  LaunchAccounting& accounting_;
  ResponseReader reader_;
  ResponseFields fields_;  // of the answer being handled
  std::vector<Player> players_;
  uint64_t active_ = 0;
  // (due, player); a player has at most one timer, armed only while no request is in flight.
  using Timer = std::pair<uint64_t, uint32_t>;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
};

}  // namespace ringside::storm

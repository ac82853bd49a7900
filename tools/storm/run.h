#pragma once
// One storm run: the arrival schedule feeding new players in, the players' timers, the steady
// status polls (if asked for), the client pool, and the loop that turns them, until every flow
// and poll has finished (or the grace period after the last launch runs out, or the user
// interrupts).
#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/storm/accounting.h"
#include "tools/storm/client_pool.h"
#include "tools/storm/options.h"
#include "tools/storm/poll_sessions.h"
#include "tools/storm/scenario.h"
#include "tools/storm/stats.h"
#include "tools/storm/steady_polls.h"

namespace ringside::storm {

struct RunTimes {
  double elapsed_s = 0;  // from the first launch's due time to the end of the loop
  double offered_s = 0;  // the window launches were offered in
  uint64_t launches_offered = 0;
  uint64_t steady_polls_offered = 0;
  bool interrupted = false;  // arrivals ended early by SIGINT/SIGTERM
  bool cut_short = false;    // the grace period ran out with flows still under way
};

class StormRun {
 public:
  // The players' lane of connections in the pool. With a steady poll load (options.poll_rate
  // > 0) `pool_options` must have a second lane for it and `poll_sessions` must not be empty.
  static constexpr uint32_t kPlayersLane = 0;
  static constexpr uint32_t kSteadyPollsLane = 1;

  StormRun(const StormOptions& options, const ClientPool::Options& pool_options,
           const std::vector<PollSession>& poll_sessions);

  // Sets up the ring and opens the connections. Returns "" or why not.
  std::string start();
  // Runs to the end. `signals` counts SIGINT/SIGTERM (a signal handler increments it): the
  // first ends the arrivals early, the second the run.
  RunTimes run(const volatile std::sig_atomic_t& signals);

  const RunStats& stats() const { return stats_; }
  const LaunchAccounting& accounting() const { return accounting_; }
  const Scenario& scenario() const { return scenario_; }

 private:
  static void on_result(void* ctx, uint64_t tag, const ClientResult& result);
  // When launch n is due, in mono_ns() time; UINT64_MAX past the last one.
  uint64_t due(uint64_t n, uint64_t start_ns) const;
  void print_progress(uint64_t now_ns, uint64_t start_ns);

  const StormOptions& options_;
  std::optional<ArrivalSchedule> schedule_;  // unset: no launches
  RunStats stats_;
  LaunchAccounting accounting_;
  ClientPool pool_;
  Scenario scenario_;
  std::optional<SteadyPolls> steady_;
  // For the per-second rates of the progress line.
  uint64_t last_progress_ns_ = 0;
  uint64_t last_launched_ = 0;
  uint64_t last_sent_ = 0;
};

}  // namespace ringside::storm

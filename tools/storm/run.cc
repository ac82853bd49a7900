#include "tools/storm/run.h"

#include <algorithm>
#include <cstdio>

#include "tools/storm/mono_clock.h"
#include "tools/storm/progress.h"

namespace ringside::storm {
namespace {

constexpr uint64_t kConnectTimeoutNs = 10 * kNanosPerSecond;

ScenarioOptions scenario_options(const StormOptions& o) {
  ScenarioOptions s;
  s.host =
      o.host.find(':') != std::string::npos ? "[" + o.host + "]:" + o.port : o.host + ":" + o.port;
  s.operator_key = o.operator_key;
  s.game = o.game;
  s.run_id = o.run_id;
  s.poll_interval_ns = seconds_to_ns(o.poll_interval_s);
  s.keepalive_interval_ns = seconds_to_ns(o.keepalive_interval_s);
  s.play_time_ns = seconds_to_ns(o.play_time_s);
  return s;
}

}  // namespace

StormRun::StormRun(const StormOptions& options, const ClientPool::Options& pool_options,
                   const std::vector<PollSession>& poll_sessions)
    : options_(options),
      schedule_(options.schedule),
      pool_(pool_options, &StormRun::on_result, this),
      scenario_(scenario_options(options), pool_, stats_, accounting_) {
  if (options.poll_rate > 0) {
    steady_.emplace(scenario_options(options).host, poll_sessions, options.poll_rate,
                    options.duration_s, kSteadyPollsLane, pool_, stats_);
  }
}

void StormRun::on_result(void* ctx, uint64_t tag, const ClientResult& result) {
  auto* run = static_cast<StormRun*>(ctx);
  if (SteadyPolls::owns(tag)) {
    run->steady_->on_result(tag, result);
  } else {
    run->scenario_.on_result(tag, result);
  }
}

std::string StormRun::start() {
  // Growing the players' table and the books mid-run (copying or rehashing 100 000 entries)
  // would stall the loop for milliseconds, and every latency with it.
  if (schedule_) {
    constexpr uint64_t kMostReserved = 10'000'000;
    const double expected = options_.launches > 0
                                ? static_cast<double>(options_.launches)
                                : schedule_->rate_at(options_.duration_s) * options_.duration_s;
    const auto players = static_cast<uint64_t>(std::min(expected, double{kMostReserved}));
    scenario_.reserve(players);
    accounting_.reserve(players);
  }
  std::string error = pool_.init();
  if (error.empty()) error = pool_.connect_all(mono_ns() + kConnectTimeoutNs);
  return error;
}

uint64_t StormRun::due(uint64_t n, uint64_t start_ns) const {
  if (!schedule_) return UINT64_MAX;
  if (options_.launches > 0 && n >= options_.launches) return UINT64_MAX;
  const uint64_t offset = schedule_->due_ns(n);
  if (offset == UINT64_MAX) return UINT64_MAX;
  if (options_.duration_s > 0 && offset >= seconds_to_ns(options_.duration_s)) return UINT64_MAX;
  return start_ns + offset;
}

RunTimes StormRun::run(const volatile std::sig_atomic_t& signals) {
  RunTimes times;
  const uint64_t start = mono_ns();
  const uint64_t grace = seconds_to_ns(options_.grace_s);
  uint64_t next_launch = 0;
  uint64_t next_due = due(0, start);
  uint64_t last_due = start;
  uint64_t arrivals_end = UINT64_MAX;  // set once the last launch and steady poll are issued
  uint64_t next_progress = start + kNanosPerSecond;
  last_progress_ns_ = start;
  if (steady_) steady_->start(start);

  for (;;) {
    const uint64_t now = mono_ns();
    // Before new requests are queued, so that "queued" shows requests a free connection could
    // not be found for.
    if (now >= next_progress) {
      pool_.expire(now);
      print_progress(now, start);
      next_progress = std::max(next_progress + kNanosPerSecond, now + kNanosPerSecond / 2);
    }
    while (next_due <= now) {
      stats_.generator_lag.record(now - next_due);
      scenario_.arrive(next_due);
      last_due = next_due;
      next_due = due(++next_launch, start);
    }
    if (steady_) steady_->fire(now);
    scenario_.fire_timers(now);
    // The first signal ends the arrivals (the flows under way finish within the grace period);
    // a second one ends the run at once.
    if (signals > 0) {
      times.interrupted = true;
      if (signals > 1) break;
      next_due = UINT64_MAX;
      if (steady_) steady_->stop();
    }
    const uint64_t next_poll = steady_ ? steady_->next_due_ns() : UINT64_MAX;
    if (next_due == UINT64_MAX && next_poll == UINT64_MAX && arrivals_end == UINT64_MAX) {
      arrivals_end = now;
    }
    if (arrivals_end != UINT64_MAX) {
      if (scenario_.active() == 0 && (!steady_ || steady_->in_flight() == 0)) break;
      if (now >= arrivals_end + grace) {
        times.cut_short = true;
        break;
      }
    }
    uint64_t deadline = std::min({next_due, next_poll, scenario_.next_timer_ns(), next_progress});
    if (arrivals_end != UINT64_MAX) deadline = std::min(deadline, arrivals_end + grace);
    pool_.poll(deadline);
  }

  const uint64_t end = mono_ns();
  if (end - last_progress_ns_ > kNanosPerSecond / 4) print_progress(end, start);
  times.elapsed_s = static_cast<double>(end - start) / 1e9;
  times.launches_offered = next_launch;
  if (steady_) times.steady_polls_offered = steady_->offered();
  // The window ends where the next launch would have been due (so 30 launches at 100/s were
  // offered in 0.3 s), or at --duration.
  const uint64_t window_end = schedule_ ? schedule_->due_ns(next_launch) : UINT64_MAX;
  if (options_.duration_s > 0 && !times.interrupted) {
    times.offered_s = options_.duration_s;
  } else if (window_end != UINT64_MAX) {
    times.offered_s = static_cast<double>(window_end) / 1e9;
  } else {
    times.offered_s = static_cast<double>(last_due - start) / 1e9;
  }
  return times;
}

void StormRun::print_progress(uint64_t now_ns, uint64_t start_ns) {
  if (!options_.progress) return;
  uint64_t sent = stats_.steady_status.sent;
  for (const EndpointStats& e : stats_.endpoints) sent += e.sent;
  const double interval_s = std::max(1e-3, static_cast<double>(now_ns - last_progress_ns_) / 1e9);
  ProgressSample sample;
  sample.elapsed_s = static_cast<double>(now_ns - start_ns) / 1e9;
  sample.launch_rate = static_cast<double>(stats_.launched - last_launched_) / interval_s;
  sample.request_rate = static_cast<double>(sent - last_sent_) / interval_s;
  sample.in_flight = pool_.in_flight();
  sample.queued = pool_.queued(kPlayersLane);
  sample.steady_polls = steady_.has_value();
  if (steady_) sample.steady_queued = pool_.queued(kSteadyPollsLane);
  sample.open_connections = pool_.open_connections();
  write_progress_line(stderr, sample, stats_);
  last_progress_ns_ = now_ns;
  last_launched_ = stats_.launched;
  last_sent_ = sent;
}

}  // namespace ringside::storm

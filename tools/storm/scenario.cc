#include "tools/storm/scenario.h"

#include "tools/storm/requests.h"

namespace ringside::storm {
namespace {

constexpr int kOk = 200;
constexpr int kAccepted = 202;

bool answered(const ClientResult& result, int status) {
  return result.failure == Failure::kNone && result.response.status == status;
}

}  // namespace

Scenario::Scenario(ScenarioOptions options, ClientPool& pool, RunStats& stats,
                   LaunchAccounting& accounting)
    : options_(std::move(options)), pool_(pool), stats_(stats), accounting_(accounting) {}

Endpoint Scenario::endpoint_of(Step step) {
  switch (step) {
    case Step::kLaunch:
      return Endpoint::kLaunch;
    case Step::kPoll:
      return Endpoint::kStatus;
    case Step::kKeepalive:
      return Endpoint::kKeepalive;
    case Step::kStop:
      return Endpoint::kStop;
    case Step::kOperatorLaunch:
    case Step::kDone:
      break;
  }
  return Endpoint::kOperatorLaunch;
}

std::string Scenario::player_id(uint64_t n) const {
  return "storm-" + options_.run_id + "-" + std::to_string(n);
}

void Scenario::arrive(uint64_t intended_ns) {
  const auto n = static_cast<uint32_t>(players_.size());
  players_.emplace_back();
  ++active_;
  ++stats_.launched;
  send(n, Step::kOperatorLaunch, intended_ns);
}

uint64_t Scenario::next_timer_ns() const {
  return timers_.empty() ? UINT64_MAX : timers_.top().first;
}

void Scenario::fire_timers(uint64_t now_ns) {
  while (!timers_.empty() && timers_.top().first <= now_ns) {
    const auto [due, n] = timers_.top();
    timers_.pop();
    stats_.generator_lag.record(now_ns - due);
    send(n, players_[n].step, due);
  }
}

void Scenario::send(uint32_t n, Step step, uint64_t intended_ns) {
  Player& p = players_[n];
  p.step = step;
  p.intended_ns = intended_ns;
  std::string request;
  switch (step) {
    case Step::kOperatorLaunch:
      request = operator_launch_request(options_.host, options_.operator_key, player_id(n),
                                        options_.game);
      break;
    case Step::kLaunch:
      request = launch_request(options_.host, p.token, options_.game);
      break;
    case Step::kPoll:
      request = status_request(options_.host, p.token, p.session_id);
      break;
    case Step::kKeepalive:
      request = keepalive_request(options_.host, p.token, p.session_id);
      break;
    case Step::kStop:
      request = stop_request(options_.host, p.token, p.session_id);
      break;
    case Step::kDone:
      return;
  }
  ++stats_.endpoints[static_cast<size_t>(endpoint_of(step))].sent;
  pool_.submit(n, std::move(request));
}

void Scenario::arm(uint32_t n, Step step, uint64_t due_ns) {
  Player& p = players_[n];
  p.step = step;
  p.intended_ns = due_ns;
  timers_.emplace(due_ns, n);
}

void Scenario::arm_play(uint32_t n) {
  const Player& p = players_[n];
  if (p.play_until_ns <= p.next_keepalive_ns) {
    arm(n, Step::kStop, p.play_until_ns);
  } else {
    arm(n, Step::kKeepalive, p.next_keepalive_ns);
  }
}

void Scenario::finish(uint32_t n) {
  Player& p = players_[n];
  p.step = Step::kDone;
  std::string().swap(p.token);
  std::string().swap(p.session_id);
  --active_;
}

void Scenario::count_error(Endpoint endpoint, const ClientResult& result, std::string_view code) {
  ++stats_.endpoints[static_cast<size_t>(endpoint)].failed;
  ++stats_.errors[error_key(endpoint_name(endpoint), result, code)];
  ++stats_.error_total;
}

void Scenario::on_result(uint64_t tag, const ClientResult& result) {
  const auto n = static_cast<uint32_t>(tag);
  const Player& p = players_[n];
  fields_ = {};
  if (result.failure == Failure::kNone) {
    const uint64_t latency = result.done_ns > p.intended_ns ? result.done_ns - p.intended_ns : 0;
    stats_.endpoints[static_cast<size_t>(endpoint_of(p.step))].latency.record(latency);
    fields_ = reader_.read(result.response.body);
  }
  switch (p.step) {
    case Step::kOperatorLaunch:
      on_operator_launch(n, result);
      break;
    case Step::kLaunch:
      on_launch(n, result);
      break;
    case Step::kPoll:
      on_status(n, result);
      break;
    case Step::kKeepalive:
      on_keepalive(n, result);
      break;
    case Step::kStop:
      on_stop(n, result);
      break;
    case Step::kDone:
      break;
  }
}

void Scenario::on_operator_launch(uint32_t n, const ClientResult& result) {
  if (!answered(result, kOk) || fields_.session_token.empty()) {
    count_error(Endpoint::kOperatorLaunch, result,
                answered(result, kOk) ? "no_session_token" : fields_.error_code);
    finish(n);
    return;
  }
  ++stats_.endpoints[static_cast<size_t>(Endpoint::kOperatorLaunch)].ok;
  Player& p = players_[n];
  p.token = std::string(fields_.session_token);
  // The browser sends the launch as soon as the play page has its token.
  p.launch_intended_ns = result.done_ns;
  send(n, Step::kLaunch, result.done_ns);
}

void Scenario::on_launch(uint32_t n, const ClientResult& result) {
  if (!answered(result, kAccepted)) {
    count_error(Endpoint::kLaunch, result, fields_.error_code);
    finish(n);
    return;
  }
  ++stats_.accepted;
  accounting_.accepted(n, fields_.session_id);
  if (fields_.session_id.empty()) {
    // Accepted but unusable: the books will show it as lost.
    count_error(Endpoint::kLaunch, result, "no_session_id");
    finish(n);
    return;
  }
  ++stats_.endpoints[static_cast<size_t>(Endpoint::kLaunch)].ok;
  ++stats_.starting;
  players_[n].session_id = std::string(fields_.session_id);
  arm(n, Step::kPoll, result.done_ns + options_.poll_interval_ns);
}

void Scenario::on_status(uint32_t n, const ClientResult& result) {
  Player& p = players_[n];
  if (!answered(result, kOk)) {
    count_error(Endpoint::kStatus, result, fields_.error_code);
    const int status = result.failure == Failure::kNone ? result.response.status : 0;
    if (status == 401 || status == 403 || status == 404) {
      // The server no longer knows the session: it stays "starting" in the books (lost).
      --stats_.starting;
      ++stats_.gave_up;
      finish(n);
    } else {
      arm(n, Step::kPoll, result.done_ns + options_.poll_interval_ns);
    }
    return;
  }
  ++stats_.endpoints[static_cast<size_t>(Endpoint::kStatus)].ok;
  if (fields_.status == "running") {
    accounting_.running(n);
    --stats_.starting;
    ++stats_.playing;
    stats_.time_to_running.record(result.done_ns - p.launch_intended_ns);
    p.play_until_ns = result.done_ns + options_.play_time_ns;
    p.next_keepalive_ns = result.done_ns + options_.keepalive_interval_ns;
    arm_play(n);
  } else if (fields_.status == "error") {
    accounting_.failed(n);
    --stats_.starting;
    ++stats_.session_errors;
    ++stats_.errors["session error " +
                    std::string(fields_.error_code.empty() ? "(no code)" : fields_.error_code)];
    ++stats_.error_total;
    finish(n);
  } else if (fields_.status == "stopped") {
    // Ended before it ever ran (reclaimed, or stopped by someone else): final, but odd.
    accounting_.stopped(n);
    --stats_.starting;
    ++stats_.stopped;
    ++stats_.errors["session stopped_before_running"];
    ++stats_.error_total;
    finish(n);
  } else {
    arm(n, Step::kPoll, result.done_ns + options_.poll_interval_ns);
  }
}

void Scenario::on_keepalive(uint32_t n, const ClientResult& result) {
  if (answered(result, kOk)) {
    ++stats_.endpoints[static_cast<size_t>(Endpoint::kKeepalive)].ok;
  } else {
    count_error(Endpoint::kKeepalive, result, fields_.error_code);
  }
  players_[n].next_keepalive_ns += options_.keepalive_interval_ns;
  arm_play(n);
}

void Scenario::on_stop(uint32_t n, const ClientResult& result) {
  --stats_.playing;
  if (answered(result, kOk) && fields_.status == "stopped") {
    ++stats_.endpoints[static_cast<size_t>(Endpoint::kStop)].ok;
    accounting_.stopped(n);
    ++stats_.stopped;
  } else {
    // The session stays "running" in the books: it did run; the failed stop is an error.
    count_error(Endpoint::kStop, result,
                answered(result, kOk) ? "status_not_stopped" : fields_.error_code);
  }
  finish(n);
}

}  // namespace ringside::storm

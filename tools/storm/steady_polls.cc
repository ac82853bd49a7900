#include "tools/storm/steady_polls.h"

#include "tools/storm/mono_clock.h"
#include "tools/storm/requests.h"

namespace ringside::storm {

SteadyPolls::SteadyPolls(std::string_view host, const std::vector<PollSession>& sessions,
                         double per_second, double duration_s, uint32_t lane, ClientPool& pool,
                         RunStats& stats)
    : schedule_(ArrivalSchedule::constant(per_second)),
      duration_ns_(seconds_to_ns(duration_s)),
      lane_(lane),
      pool_(pool),
      stats_(stats) {
  requests_.reserve(sessions.size());
  for (const PollSession& s : sessions) {
    requests_.push_back(status_request(host, s.token, s.session_id));
  }
}

uint64_t SteadyPolls::due_ns(uint64_t k) const {
  const uint64_t offset = schedule_.due_ns(k);
  return offset >= duration_ns_ ? UINT64_MAX : start_ns_ + offset;
}

void SteadyPolls::start(uint64_t start_ns) {
  start_ns_ = start_ns;
  next_due_ns_ = due_ns(0);
}

void SteadyPolls::fire(uint64_t now_ns) {
  while (next_due_ns_ <= now_ns) {
    stats_.generator_lag.record(now_ns - next_due_ns_);
    ++stats_.steady_status.sent;
    pool_.submit(kTagBit | next_, requests_[next_ % requests_.size()], lane_);
    next_due_ns_ = due_ns(++next_);
  }
}

void SteadyPolls::on_result(uint64_t tag, const ClientResult& result) {
  ++done_;
  EndpointStats& row = stats_.steady_status;
  std::string_view code;
  if (result.failure == Failure::kNone) {
    const uint64_t intended = due_ns(tag & ~kTagBit);
    row.latency.record(result.done_ns > intended ? result.done_ns - intended : 0);
    if (result.response.status == 200) {
      ++row.ok;
      return;
    }
    code = reader_.read(result.response.body).error_code;
  }
  ++row.failed;
  ++stats_.errors[error_key(kSteadyStatusName, result, code)];
  ++stats_.error_total;
}

}  // namespace ringside::storm

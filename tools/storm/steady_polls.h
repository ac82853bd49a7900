#pragma once
// storm's steady status-poll load (--poll-sessions, --poll-rate): GET session-status at a
// constant rate over sessions that existed before the run, cycling through them, for the run's
// --duration. Poll k is due at its slot in the schedule whatever the answers do (an open loop)
// and its latency is measured from that slot. The polls go out on a lane of connections of
// their own, so they never wait behind the players' requests in storm's pool: what they
// measure is the server's status-poll latency under whatever else the run is doing.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/storm/arrivals.h"
#include "tools/storm/client_pool.h"
#include "tools/storm/poll_sessions.h"
#include "tools/storm/response_fields.h"
#include "tools/storm/stats.h"

namespace ringside::storm {

class SteadyPolls {
 public:
  // Tags of steady polls have this bit set; players' tags (their index) never do.
  static constexpr uint64_t kTagBit = uint64_t{1} << 63;
  static bool owns(uint64_t tag) { return (tag & kTagBit) != 0; }

  // `sessions` must not be empty. Polls go to `lane` of `pool`.
  SteadyPolls(std::string_view host, const std::vector<PollSession>& sessions, double per_second,
              double duration_s, uint32_t lane, ClientPool& pool, RunStats& stats);

  // The schedule starts at `start_ns` (mono_ns() time).
  void start(uint64_t start_ns);
  // Sends every poll due by `now_ns`, counting how late each went out in the generator lag.
  void fire(uint64_t now_ns);
  // Sends no more polls (those in flight still count).
  void stop() { next_due_ns_ = UINT64_MAX; }
  // When the next poll is due; UINT64_MAX once the last one is sent.
  uint64_t next_due_ns() const { return next_due_ns_; }
  // The answer (or failure) of the poll with this tag: hand to ClientPool's callback.
  void on_result(uint64_t tag, const ClientResult& result);

  uint64_t offered() const { return next_; }
  uint64_t in_flight() const { return next_ - done_; }

 private:
  uint64_t due_ns(uint64_t k) const;

  std::vector<std::string> requests_;  // one per session, built once
  ArrivalSchedule schedule_;
  uint64_t duration_ns_;
  uint32_t lane_;
  ClientPool& pool_;
  RunStats& stats_;
  ResponseReader reader_;  // for the error code of an unexpected answer
  uint64_t start_ns_ = 0;
  uint64_t next_ = 0;  // polls sent
  uint64_t next_due_ns_ = UINT64_MAX;
  uint64_t done_ = 0;  // polls answered or failed
};

}  // namespace ringside::storm

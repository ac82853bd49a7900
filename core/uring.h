#pragma once
// Ring setup with the fastest flags the kernel accepts, and the optional features the rest
// of the reactor checks before using them. Each feature has a fallback:
//   SINGLE_ISSUER|DEFER_TASKRUN -> COOP_TASKRUN -> plain     (task work run lazily, no IPIs)
//   IORING_OP_MSG_RING doorbell -> eventfd write             (cross-thread wake-up)
//   multishot accept / recv     -> one-shot, re-armed        (same handlers: !F_MORE re-arms)
// Provided buffer rings (5.19) are required; setup fails with a clear error without them.
#include <liburing.h>

#include <cstdint>
#include <string>

namespace ringside {

struct UringFeatures {
  bool defer_taskrun = false;
  bool coop_taskrun = false;
  bool msg_ring = false;
  bool multishot_accept = false;
  bool multishot_recv = false;
  std::string describe() const;
};

// Initialises `ring` with `entries` SQEs and `cq_entries` CQEs. With `minimal` set, every
// optional feature is turned off (used by tests to exercise the fallbacks). Returns 0 or -errno.
int setup_ring(io_uring* ring, unsigned entries, unsigned cq_entries, bool minimal,
               UringFeatures* features);

}  // namespace ringside

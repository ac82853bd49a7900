#include "core/uring.h"

#include <sys/utsname.h>

#include <cstdio>

namespace ringside {
namespace {

// Multishot recv arrived in 6.0, multishot accept in 5.19; neither can be probed by opcode.
bool kernel_at_least(int major, int minor) {
  utsname u{};
  if (uname(&u) != 0) return false;
  int ma = 0, mi = 0;
  if (sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}

}  // namespace

std::string UringFeatures::describe() const {
  std::string s;
  s += defer_taskrun ? "defer_taskrun" : (coop_taskrun ? "coop_taskrun" : "plain_taskrun");
  s += msg_ring ? ",msg_ring" : ",eventfd_doorbell";
  s += multishot_accept ? ",multishot_accept" : ",oneshot_accept";
  s += multishot_recv ? ",multishot_recv" : ",oneshot_recv";
  return s;
}

int setup_ring(io_uring* ring, unsigned entries, unsigned cq_entries, bool minimal,
               UringFeatures* features) {
  const unsigned base = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL;
  const unsigned attempts[] = {
      base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
      base | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
      base,
  };
  int rc = -1;
  for (size_t i = minimal ? 1 : 0; i < std::size(attempts); ++i) {
    io_uring_params p{};
    p.flags = attempts[i];
    p.cq_entries = cq_entries;
    rc = io_uring_queue_init_params(entries, ring, &p);
    if (rc == 0) {
      features->defer_taskrun = (i == 0);
      features->coop_taskrun = (i == 1);
      break;
    }
    if (rc != -EINVAL) return rc;
  }
  if (rc != 0) return rc;

  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe) {
    features->msg_ring = !minimal && io_uring_opcode_supported(probe, IORING_OP_MSG_RING);
    io_uring_free_probe(probe);
  }
  features->multishot_accept = !minimal && kernel_at_least(5, 19);
  features->multishot_recv = !minimal && kernel_at_least(6, 0);
  return 0;
}

}  // namespace ringside

#pragma once
// The live line storm prints on stderr once a second.
#include <cstddef>
#include <cstdint>
#include <cstdio>

#include "tools/storm/stats.h"

namespace ringside::storm {

struct ProgressSample {
  double elapsed_s = 0;
  double launch_rate = 0;   // players begun per second since the last line
  double request_rate = 0;  // requests queued per second since the last line
  size_t in_flight = 0;
  size_t queued = 0;  // players' requests waiting for a free connection
  bool steady_polls = false;
  size_t steady_queued = 0;  // steady polls waiting for a free connection of their own
  uint32_t open_connections = 0;
};

// "[  12s] launched 1200 (100/s) accepted 1190 starting 40 playing 800 stopped 350 errors 10
//  (launch 429 rate_limited 5, ...) | 512 req/s in-flight 230 queued 0 conns 256", with
//  " poll-queued N" before "conns" when a steady poll load runs.
void write_progress_line(FILE* out, const ProgressSample& sample, const RunStats& stats);

}  // namespace ringside::storm

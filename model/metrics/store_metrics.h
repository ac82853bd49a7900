#pragma once
#include "model/metrics/counter.h"

namespace ringside {

// Written by the I/O core only (relaxed stores); /metrics on any shard reads them.
struct StoreMetrics {
  Counter sessions_swept;  // ended sessions deleted by the retention sweep
  Counter tokens_swept;    // expired token sessions deleted by the retention sweep
};

}  // namespace ringside

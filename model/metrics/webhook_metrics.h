#pragma once
#include "model/metrics/counter.h"

namespace ringside {

// Written by the I/O core's webhook sender only; /metrics on any shard reads them.
struct WebhookMetrics {
  Counter deliveries;             // attempts answered 2xx
  Counter failures;               // attempts not answered 2xx in time
  Counter given_up;               // (event, URL) pairs abandoned after 24 h of retries
  Counter dropped;                // without a database: events dropped past the memory cap
  Counter undelivered;            // a gauge: events held, not yet delivered to every URL
  Counter oldest_undelivered_ms;  // a gauge: unix ms the oldest held event was made; 0: none
};

}  // namespace ringside

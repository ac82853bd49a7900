#pragma once
#include "model/metrics/counter.h"

namespace ringside {

// Written by the I/O core only, which reloads the catalog on SIGHUP; /metrics reads them.
struct CatalogMetrics {
  Counter reloads_ok;       // a reload that published a new catalog
  Counter reloads_refused;  // unreadable, unparsable or too many games: the old one stays
};

}  // namespace ringside

#pragma once
// A game server as the Scheduler tests declare it: whole cores, megabytes and slots.
#include <cstdint>

#include "sched/scheduler.h"

namespace ringside {

inline ServerState make_server(const char* name, uint32_t cores, uint32_t memory_mb,
                               uint32_t slots) {
  ServerState s;
  s.name = name;
  s.cpu_capacity_millicores = cores * 1000;
  s.memory_capacity_mb = memory_mb;
  s.slot_capacity = slots;
  return s;
}

}  // namespace ringside

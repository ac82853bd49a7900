#pragma once
// The game backend --backend names, built on the I/O core.
#include <cstdint>
#include <functional>
#include <memory>

#include "core/reactor.h"
#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/runtime.h"

namespace ringside {

// Null when the configured backend is not one this build has. `now_ms` is the clock `timers`
// is advanced with; the backend reports to `events`. Backends that call out over HTTP do it on
// `reactor` (the I/O core's).
std::unique_ptr<Backend> make_backend(const Runtime& runtime, BackendMetrics& metrics,
                                      Reactor& reactor, TimerWheel& timers,
                                      std::function<uint64_t()> now_ms, BackendEvents& events);

}  // namespace ringside

// Every JSON answer parser of backends/docker/docker_api.h on any bytes, as an engine (or
// whatever answers on its socket) could send them. Invariants: nothing crashes, and what the
// parsers return keeps their promises (no untagged image, a created id is never empty, CPU
// seconds are positive or unknown, a peak is not negative, an event names its container, an
// engine has CPUs and memory).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backends/docker/docker_api.h"

namespace api = ringside::docker_api;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto tags = api::parse_image_tags(body)) {
    for (const std::string& t : *tags) {
      if (t == "<none>:<none>") abort();
    }
  }
  const std::string pull_error = api::pull_stream_error(body);
  if (!pull_error.empty() && body.find("\"error\"") == std::string_view::npos) abort();
  (void)api::is_not_found_message(pull_error);
  if (auto id = api::parse_created_id(body); id && id->empty()) abort();
  (void)api::parse_inspect(body);
  if (auto f = api::parse_stats(body)) {
    if (!std::isnan(f->cpu_seconds) && !(f->cpu_seconds > 0)) abort();
    if (!std::isnan(f->peak_memory_mb) && f->peak_memory_mb < 0) abort();
  }
  if (auto c = api::parse_info(body); c && (c->cpu_millicores == 0 || c->memory_mb == 0)) abort();
  (void)api::parse_container_list(body);
  if (auto event = api::parse_container_event(body); event && event->id.empty()) abort();
  const std::string message = api::error_message(body);
  if (message.size() > body.size()) abort();
  return 0;
}

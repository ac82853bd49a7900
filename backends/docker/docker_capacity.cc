// What each engine really has (GET /info: NCPU, MemTotal). A fleet may declare more than the
// machine holds; the engine refuses a container whose CPU limit is over its CPUs ("Range of
// CPUs is from 0.01 to 2.00"), so no limit is ever asked above them (a create waits while
// /info is on its way), and placement never counts on more than the engine has
// (on_server_capacity).
#include <algorithm>

#include "backends/docker/docker_backend.h"
#include "core/log.h"

namespace ringside {
namespace {

// A limit of 0 is no limit; a capacity of 0 is not known yet.
uint32_t within(uint32_t limit, uint32_t capacity) {
  return limit == 0 || capacity == 0 ? limit : std::min(limit, capacity);
}

}  // namespace

void DockerBackend::read_capacity(Engine& e) {
  if (e.info != 0 || e.capacity_current) return;
  e.info = send(docker_api::info(e.endpoint), [this, &e](HttpResponse&& r) {
    e.info = 0;
    on_capacity(e, r);
  });
}

void DockerBackend::on_capacity(Engine& e, const HttpResponse& r) {
  std::optional<docker_api::EngineCapacity> c;
  if (r.status == 200) c = docker_api::parse_info(r.body);
  const GameServerInfo& declared = servers_[e.index];
  if (!c) {  // asked again after the next ping
    log_warn("docker_engine_info_failed")
        .kv("server", declared.name)
        .kv("error", docker_api::describe_failure(r));
  } else {
    e.capacity = *c;
    e.capacity_current = true;
    if (declared.cpu_millicores > c->cpu_millicores || declared.memory_mb > c->memory_mb) {
      log_warn("docker_fleet_exceeds_engine")
          .kv("server", declared.name)
          .kv("declared_cpu_millicores", declared.cpu_millicores)
          .kv("engine_cpu_millicores", c->cpu_millicores)
          .kv("declared_memory_mb", declared.memory_mb)
          .kv("engine_memory_mb", c->memory_mb);
    }
    events_.on_server_capacity(e.index, c->cpu_millicores, c->memory_mb);
  }
  // The creates that waited for this answer go on, within it (or what was known before).
  // Sending reports nothing, so no session comes or goes meanwhile.
  for (const auto& [id, s] : sessions_) {
    if (s->engine == e.index && s->step == Step::kCapacity) send_create(*s);
  }
}

void DockerBackend::bound_limits(const Session& s, docker_api::ContainerSpec& spec) const {
  const docker_api::EngineCapacity& has = engines_[s.engine]->capacity;
  if (has.cpu_millicores == 0) {  // its /info never answered
    log_warn("docker_limits_unbounded")
        .kv("session", s.id_text)
        .kv("server", servers_[s.engine].name);
  }
  spec.cpu_millicores = within(s.cpu_millicores, has.cpu_millicores);
  spec.memory_mb = within(s.memory_mb, has.memory_mb);
}

}  // namespace ringside

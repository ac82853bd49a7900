#pragma once
// The Docker fleet from configuration: which engines are game servers, how to reach them, and
// what each holds. Either a JSON file (--docker-fleet) or a list of engine addresses
// (--docker-engines) that share default capacities.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/backend.h"

namespace ringside {

struct DockerEngine {
  GameServerInfo info;
  std::string address;  // "unix:///path/docker.sock" or "tcp://host:port"
};

// [{"name", "engine", "urlBase", "cpuMillicores", "memoryMb", "slots"}]; name, engine and
// urlBase are required, the capacities default to `defaults`' values.
std::optional<std::vector<DockerEngine>> parse_docker_fleet(std::string_view json,
                                                            const GameServerInfo& defaults,
                                                            std::string* error);
// "unix:///a,tcp://b:2375": engines named docker1, docker2, ... with the capacities of
// `defaults`; the URL base is `defaults.url_base` when set, else http://<host> (127.0.0.1 for a
// socket).
std::optional<std::vector<DockerEngine>> docker_engines_from_list(std::string_view list,
                                                                  const GameServerInfo& defaults,
                                                                  std::string* error);
// From the file when `fleet_file` is set, else from the list. Empty fleets are an error.
std::optional<std::vector<DockerEngine>> load_docker_fleet(const std::string& fleet_file,
                                                           std::string_view engine_list,
                                                           const GameServerInfo& defaults,
                                                           std::string* error);

}  // namespace ringside

#include "backends/docker/docker_fleet.h"

#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "backends/docker/docker_api.h"

namespace ringside {
namespace {

bool valid_address(std::string_view address) {
  return docker_api::parse_endpoint(address, "1.41").has_value();
}

bool read_uint32(simdjson::dom::element e, const char* key, uint32_t* out, std::string* error) {
  simdjson::dom::element v;
  if (e[key].get(v) != simdjson::SUCCESS) return true;  // absent: the default stays
  uint64_t n = 0;
  if (v.get_uint64().get(n) != simdjson::SUCCESS || n == 0 || n > UINT32_MAX) {
    *error = std::string("fleet: '") + key + "' must be a positive integer";
    return false;
  }
  *out = static_cast<uint32_t>(n);
  return true;
}

}  // namespace

std::optional<std::vector<DockerEngine>> parse_docker_fleet(std::string_view json,
                                                            const GameServerInfo& defaults,
                                                            std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS ||
      root.get_array().get(list) != simdjson::SUCCESS) {
    *error = "fleet: not a JSON array";
    return std::nullopt;
  }
  std::vector<DockerEngine> fleet;
  for (simdjson::dom::element e : list) {
    DockerEngine engine;
    engine.info = defaults;
    std::string_view name, address, url_base;
    if (e["name"].get_string().get(name) != simdjson::SUCCESS || name.empty() ||
        e["engine"].get_string().get(address) != simdjson::SUCCESS ||
        e["urlBase"].get_string().get(url_base) != simdjson::SUCCESS) {
      *error = "fleet: every server needs \"name\", \"engine\" and \"urlBase\" strings";
      return std::nullopt;
    }
    if (!valid_address(address)) {
      *error = "fleet: engine must be unix:///path or tcp://host:port: " + std::string(address);
      return std::nullopt;
    }
    engine.info.name = std::string(name);
    engine.info.url_base = std::string(url_base);
    engine.address = std::string(address);
    if (!read_uint32(e, "cpuMillicores", &engine.info.cpu_millicores, error) ||
        !read_uint32(e, "memoryMb", &engine.info.memory_mb, error) ||
        !read_uint32(e, "slots", &engine.info.slots, error)) {
      return std::nullopt;
    }
    fleet.push_back(std::move(engine));
  }
  return fleet;
}

std::optional<std::vector<DockerEngine>> docker_engines_from_list(std::string_view list,
                                                                  const GameServerInfo& defaults,
                                                                  std::string* error) {
  std::vector<DockerEngine> fleet;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view address = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (address.empty()) continue;
    if (!valid_address(address)) {
      *error = "docker engine must be unix:///path or tcp://host:port: " + std::string(address);
      return std::nullopt;
    }
    DockerEngine engine;
    engine.info = defaults;
    engine.info.name = "docker" + std::to_string(fleet.size() + 1);
    if (engine.info.url_base.empty()) {
      std::string_view host = "127.0.0.1";
      if (!address.starts_with("unix://")) {
        host = address.substr(address.find("://") + 3);
        host = host.substr(0, host.rfind(':'));
      }
      engine.info.url_base = "http://" + std::string(host);
    }
    engine.address = std::string(address);
    fleet.push_back(std::move(engine));
  }
  return fleet;
}

std::optional<std::vector<DockerEngine>> load_docker_fleet(const std::string& fleet_file,
                                                           std::string_view engine_list,
                                                           const GameServerInfo& defaults,
                                                           std::string* error) {
  std::optional<std::vector<DockerEngine>> fleet;
  if (!fleet_file.empty()) {
    std::ifstream in(fleet_file);
    if (!in) {
      *error = "cannot read docker fleet file " + fleet_file;
      return std::nullopt;
    }
    std::stringstream text;
    text << in.rdbuf();
    fleet = parse_docker_fleet(text.str(), defaults, error);
  } else {
    fleet = docker_engines_from_list(engine_list, defaults, error);
  }
  if (fleet && fleet->empty()) {
    *error = "the docker backend needs engines: --docker-fleet FILE or --docker-engines LIST";
    return std::nullopt;
  }
  return fleet;
}

}  // namespace ringside

#include "backends/docker/docker_api.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/byte_buffer.h"
#include "core/json_writer.h"

namespace ringside::docker_api {
namespace {

constexpr uint32_t kCallTimeoutMs = 30'000;
constexpr double kMiB = 1024.0 * 1024.0;

// DOM, not On Demand: answers are small and read once, and On Demand is slow in this build.
simdjson::dom::parser& parser() {
  thread_local simdjson::dom::parser p;
  return p;
}

std::optional<simdjson::dom::element> parse_json(std::string_view body) {
  simdjson::dom::element root;
  if (parser().parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return root;
}

HttpRequest request(const Endpoint& e, const char* method, std::string path) {
  HttpRequest r;
  r.method = method;
  r.url = e.base_url + path;
  r.unix_socket = e.unix_socket;
  r.timeout_ms = kCallTimeoutMs;
  return r;
}

// A label's number; 0 when absent or not one (containers made before the label existed).
uint32_t label_number(simdjson::dom::object labels, std::string_view key) {
  std::string_view text;
  uint32_t value = 0;
  if (labels[key].get_string().get(text) != simdjson::SUCCESS ||
      std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
    return 0;
  }
  return value;
}

// The labels ringside reads, from a listing's Labels or an event's Attributes (which hold the
// labels too). False without a ringside.session or ringside.warm label.
bool read_labels(simdjson::dom::object labels, ContainerLabels* out) {
  std::string_view session, player, warm;
  if (labels[kSessionLabel].get_string().get(session) != simdjson::SUCCESS) session = {};
  if (labels[kWarmLabel].get_string().get(warm) != simdjson::SUCCESS) warm = {};
  if (session.empty() && warm.empty()) return false;
  out->warm = std::string(warm);
  if (labels[kPlayerLabel].get_string().get(player) != simdjson::SUCCESS) player = {};
  out->session = std::string(session);
  out->player = std::string(player);
  out->cpu_millicores = label_number(labels, kCpuLabel);
  out->memory_mb = label_number(labels, kMemoryLabel);
  return true;
}

std::string container_path(std::string_view id, std::string_view rest) {
  std::string p = "/containers/";
  p += url_encode(id);
  p += rest;
  return p;
}

}  // namespace

std::optional<Endpoint> parse_endpoint(std::string_view address, std::string_view api_version) {
  Endpoint e;
  std::string version = "/v" + std::string(api_version);
  if (address.starts_with("unix://")) {
    std::string_view path = address.substr(7);
    if (path.empty() || path.front() != '/') return std::nullopt;
    e.unix_socket = std::string(path);
    e.base_url = "http://docker" + version;
    return e;
  }
  for (std::string_view scheme : {"tcp://", "http://"}) {
    if (!address.starts_with(scheme)) continue;
    std::string_view host = address.substr(scheme.size());
    while (!host.empty() && host.back() == '/') host.remove_suffix(1);
    if (host.empty() || host.find('/') != std::string_view::npos) return std::nullopt;
    e.base_url = "http://" + std::string(host) + version;
    return e;
  }
  return std::nullopt;
}

std::string slot_name(uint32_t slot) { return "ringside-slot-" + std::to_string(slot); }

uint32_t slot_of_name(std::string_view name) {
  constexpr std::string_view kPrefix = "ringside-slot-";
  if (name.starts_with('/')) name.remove_prefix(1);
  if (!name.starts_with(kPrefix)) return kNoSlot;
  const std::string_view digits = name.substr(kPrefix.size());
  uint32_t slot = 0;
  // Only the form slot_name() writes: no sign, no leading zero, nothing after the number.
  if (digits.empty() || (digits.size() > 1 && digits.front() == '0')) return kNoSlot;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), slot);
  if (error != std::errc() || end != digits.data() + digits.size() || slot == kNoSlot) {
    return kNoSlot;
  }
  return slot;
}

std::string normalize_image(std::string_view image) {
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  const bool tagged =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (tagged || image.find('@') != std::string_view::npos) return std::string(image);
  return std::string(image) + ":latest";
}

std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpRequest ping(const Endpoint& e, uint32_t timeout_ms) {
  HttpRequest r = request(e, "GET", "/_ping");
  r.timeout_ms = timeout_ms;
  return r;
}

HttpRequest info(const Endpoint& e) { return request(e, "GET", "/info"); }

HttpRequest list_images(const Endpoint& e) { return request(e, "GET", "/images/json"); }

HttpRequest pull_image(const Endpoint& e, std::string_view image, uint32_t timeout_ms) {
  // fromImage and tag apart: "registry:5000/name:tag" -> "registry:5000/name", "tag". A digest
  // reference goes whole in fromImage.
  const std::string full = normalize_image(image);
  std::string query;
  if (full.find('@') != std::string::npos) {
    query = "fromImage=" + url_encode(full);
  } else {
    const size_t colon = full.rfind(':');
    query = "fromImage=" + url_encode(std::string_view(full).substr(0, colon)) +
            "&tag=" + url_encode(std::string_view(full).substr(colon + 1));
  }
  HttpRequest r = request(e, "POST", "/images/create?" + query);
  r.timeout_ms = timeout_ms;
  return r;
}

std::string create_body(const ContainerSpec& spec) {
  ByteBuffer buf(512);
  JsonWriter w(buf);
  w.begin_object();
  w.key("Image").value(spec.image);
  w.key("Labels").begin_object();
  if (spec.warm) {
    w.key(kWarmLabel).value(spec.game_slug);
  } else {
    w.key(kSessionLabel).value(spec.session_id_text);
  }
  w.key(kPlayerLabel).value(spec.player_id);
  w.key(kGameLabel).value(spec.game_slug);
  w.key(kCpuLabel).value(std::to_string(spec.cpu_millicores));
  w.key(kMemoryLabel).value(std::to_string(spec.memory_mb));
  w.end_object();
  if (spec.warm) {
    // stdin stays open across attaches (StdinOnce false): the take is written on it.
    w.key("OpenStdin").value(true);
    w.key("StdinOnce").value(false);
    w.key("AttachStdin").value(true);
    w.key("AttachStdout").value(true);
    w.key("AttachStderr").value(true);
    w.key("Env").begin_array().value("RINGSIDE_WARM=1").end_array();
  }
  w.key("HostConfig").begin_object();
  // The engine refuses a memory limit under 6 MB.
  if (spec.memory_mb != 0) w.key("Memory").value(std::max<uint64_t>(spec.memory_mb, 6) << 20);
  if (spec.cpu_millicores != 0) {
    w.key("NanoCpus").value(uint64_t{spec.cpu_millicores} * 1'000'000);
  }
  w.end_object();
  w.end_object();
  return std::string(buf.view());
}

HttpRequest create_container(const Endpoint& e, const ContainerSpec& spec) {
  HttpRequest r = request(e, "POST", "/containers/create?name=" + url_encode(spec.name));
  r.headers.push_back("Content-Type: application/json");
  r.body = create_body(spec);
  return r;
}

HttpRequest put_archive(const Endpoint& e, std::string_view id, std::string_view path,
                        std::string tar) {
  HttpRequest r = request(e, "PUT", container_path(id, "/archive?path=" + url_encode(path)));
  r.headers.push_back("Content-Type: application/x-tar");
  r.body = std::move(tar);
  return r;
}

HttpRequest start_container(const Endpoint& e, std::string_view id) {
  return request(e, "POST", container_path(id, "/start"));
}

HttpRequest inspect_container(const Endpoint& e, std::string_view id) {
  return request(e, "GET", container_path(id, "/json"));
}

HttpRequest container_stats(const Endpoint& e, std::string_view id) {
  return request(e, "GET", container_path(id, "/stats?stream=false&one-shot=true"));
}

HttpRequest stop_container(const Endpoint& e, std::string_view id, uint32_t grace_s) {
  HttpRequest r = request(e, "POST", container_path(id, "/stop?t=" + std::to_string(grace_s)));
  r.timeout_ms = kCallTimeoutMs + grace_s * 1000;  // the engine waits out the grace first
  return r;
}

HttpRequest get_archive(const Endpoint& e, std::string_view id, std::string_view path) {
  return request(e, "GET", container_path(id, "/archive?path=" + url_encode(path)));
}

HttpRequest remove_container(const Endpoint& e, std::string_view id) {
  return request(e, "DELETE", container_path(id, "?force=true&v=true"));
}

HttpRequest container_logs(const Endpoint& e, std::string_view id) {
  HttpRequest r = request(e, "GET", container_path(id, "/logs?stdout=1&stderr=0"));
  r.max_body_bytes = 16 << 20;  // a game that talks a lot: the took line is near the start
  return r;
}

bool find_took_line(std::string_view log, std::string* session, std::string* player) {
  std::string out;  // stdout, frames joined
  for (size_t at = 0; log.size() - at >= 8;) {
    const auto* h = reinterpret_cast<const unsigned char*>(log.data() + at);
    const size_t size = (size_t{h[4]} << 24) | (size_t{h[5]} << 16) | (size_t{h[6]} << 8) | h[7];
    const size_t take = std::min(size, log.size() - at - 8);
    if (h[0] == 1) out.append(log.substr(at + 8, take));
    at += 8 + take;
  }
  std::string_view rest = out;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (!line.starts_with("ringside-took ")) continue;
    line.remove_prefix(14);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 >= line.size()) continue;
    *session = std::string(line.substr(0, space));
    *player = std::string(line.substr(space + 1));
    return true;
  }
  return false;
}

HttpRequest list_session_containers(const Endpoint& e) {
  const std::string filters = "{\"label\":[\"" + std::string(kGameLabel) + "\"]}";
  return request(e, "GET", "/containers/json?all=true&filters=" + url_encode(filters));
}

HttpRequest session_container_events(const Endpoint& e) {
  const std::string filters = "{\"type\":[\"container\"],\"label\":[\"" + std::string(kGameLabel) +
                              "\"],\"event\":[\"create\",\"start\",\"die\",\"oom\",\"destroy\"]}";
  return request(e, "GET", "/events?filters=" + url_encode(filters));
}

std::optional<std::vector<std::string>> parse_image_tags(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  simdjson::dom::array images;
  if (!root || root->get_array().get(images) != simdjson::SUCCESS) return std::nullopt;
  std::vector<std::string> tags;
  for (simdjson::dom::element image : images) {
    simdjson::dom::array repo_tags;
    if (image["RepoTags"].get_array().get(repo_tags) != simdjson::SUCCESS) continue;  // null
    for (simdjson::dom::element tag : repo_tags) {
      std::string_view t;
      if (tag.get_string().get(t) == simdjson::SUCCESS && t != "<none>:<none>") {
        tags.emplace_back(t);
      }
    }
  }
  return tags;
}

std::string pull_stream_error(std::string_view body) {
  while (!body.empty()) {
    const size_t end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (line.find("\"error\"") == std::string_view::npos) continue;  // progress: skip parsing
    std::optional<simdjson::dom::element> root = parse_json(line);
    std::string_view message;
    if (root && (*root)["error"].get_string().get(message) == simdjson::SUCCESS) {
      return message.empty() ? "pull failed" : std::string(message);
    }
    return "pull failed";
  }
  return {};
}

bool is_not_found_message(std::string_view message) {
  return message.find("not found") != std::string_view::npos ||
         message.find("manifest unknown") != std::string_view::npos ||
         message.find("does not exist") != std::string_view::npos;
}

std::optional<std::string> parse_created_id(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  std::string_view id;
  if (!root || (*root)["Id"].get_string().get(id) != simdjson::SUCCESS || id.empty()) {
    return std::nullopt;
  }
  return std::string(id);
}

std::optional<ContainerState> parse_inspect(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  simdjson::dom::object state;
  if (!root || (*root)["State"].get_object().get(state) != simdjson::SUCCESS) return std::nullopt;
  ContainerState out;
  if (state["Running"].get_bool().get(out.running) != simdjson::SUCCESS) return std::nullopt;
  std::string_view health;
  if (state["Health"]["Status"].get_string().get(health) == simdjson::SUCCESS) {
    out.health = health == "healthy"     ? Health::kHealthy
                 : health == "unhealthy" ? Health::kUnhealthy
                 : health == "starting"  ? Health::kStarting
                                         : Health::kNone;  // "none": no check to wait for
  }
  return out;
}

std::optional<EngineCapacity> parse_info(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  uint64_t cpus = 0, memory_bytes = 0;
  if (!root || (*root)["NCPU"].get_uint64().get(cpus) != simdjson::SUCCESS ||
      (*root)["MemTotal"].get_uint64().get(memory_bytes) != simdjson::SUCCESS || cpus == 0 ||
      (memory_bytes >> 20) == 0) {
    return std::nullopt;
  }
  EngineCapacity c;
  c.cpu_millicores = static_cast<uint32_t>(std::min<uint64_t>(cpus * 1000, UINT32_MAX));
  c.memory_mb = static_cast<uint32_t>(std::min<uint64_t>(memory_bytes >> 20, UINT32_MAX));
  return c;
}

std::optional<StatsFigures> parse_stats(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  if (!root) return std::nullopt;
  uint64_t cpu_ns = 0;
  if ((*root)["cpu_stats"]["cpu_usage"]["total_usage"].get_uint64().get(cpu_ns) !=
      simdjson::SUCCESS) {
    return std::nullopt;
  }
  StatsFigures f;
  // A container that already exited reports empty stats (zero usage): unknown, not zero.
  f.cpu_seconds =
      cpu_ns == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(cpu_ns) / 1e9;
  uint64_t max_usage = 0;
  f.peak_memory_mb =
      (*root)["memory_stats"]["max_usage"].get_uint64().get(max_usage) == simdjson::SUCCESS
          ? static_cast<double>(max_usage) / kMiB
          : std::numeric_limits<double>::quiet_NaN();
  return f;
}

std::optional<std::vector<ListedContainer>> parse_container_list(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  simdjson::dom::array list;
  if (!root || root->get_array().get(list) != simdjson::SUCCESS) return std::nullopt;
  std::vector<ListedContainer> out;
  for (simdjson::dom::element c : list) {
    ListedContainer item;
    std::string_view id, state;
    simdjson::dom::object labels;
    if (c["Id"].get_string().get(id) != simdjson::SUCCESS) return std::nullopt;
    if (c["Labels"].get_object().get(labels) != simdjson::SUCCESS ||
        !read_labels(labels, &item.labels)) {
      continue;
    }
    if (c["State"].get_string().get(state) != simdjson::SUCCESS) state = {};
    simdjson::dom::array names;
    if (c["Names"].get_array().get(names) == simdjson::SUCCESS) {
      for (simdjson::dom::element name : names) {
        std::string_view n;
        if (name.get_string().get(n) != simdjson::SUCCESS) continue;
        if (const uint32_t slot = slot_of_name(n); slot != kNoSlot) item.labels.slot = slot;
      }
    }
    std::string_view image;
    if (c["Image"].get_string().get(image) == simdjson::SUCCESS) item.image = std::string(image);
    item.id = std::string(id);
    item.running = state == "running";
    out.push_back(std::move(item));
  }
  return out;
}

std::optional<ContainerEvent> parse_container_event(std::string_view line) {
  std::optional<simdjson::dom::element> root = parse_json(line);
  std::string_view type, action, id;
  simdjson::dom::object attributes;
  ContainerEvent event;
  if (!root || (*root)["Type"].get_string().get(type) != simdjson::SUCCESS || type != "container" ||
      (*root)["Action"].get_string().get(action) != simdjson::SUCCESS ||
      (*root)["Actor"]["ID"].get_string().get(id) != simdjson::SUCCESS || id.empty() ||
      (*root)["Actor"]["Attributes"].get_object().get(attributes) != simdjson::SUCCESS ||
      !read_labels(attributes, &event.labels)) {
    return std::nullopt;
  }
  std::string_view name;
  if (attributes["name"].get_string().get(name) == simdjson::SUCCESS) {
    event.labels.slot = slot_of_name(name);
  }
  if (action == "create") {
    event.action = ContainerAction::kCreate;
  } else if (action == "start") {
    event.action = ContainerAction::kStart;
  } else if (action == "die") {
    event.action = ContainerAction::kDie;
    std::string_view code;
    int value = 0;
    if (attributes["exitCode"].get_string().get(code) == simdjson::SUCCESS &&
        std::from_chars(code.data(), code.data() + code.size(), value).ec == std::errc() &&
        value >= 0) {
      event.exit_code = value;
    }
  } else if (action == "oom") {
    event.action = ContainerAction::kOom;
  } else if (action == "destroy") {
    event.action = ContainerAction::kDestroy;
  } else {
    return std::nullopt;
  }
  event.id = std::string(id);
  return event;
}

std::string error_message(std::string_view body) {
  std::optional<simdjson::dom::element> root = parse_json(body);
  std::string_view message;
  if (root && (*root)["message"].get_string().get(message) == simdjson::SUCCESS) {
    return std::string(message);
  }
  return std::string(body.substr(0, 200));
}

std::string describe_failure(const HttpResponse& r) {
  if (r.status == 0) return r.error.empty() ? "no answer" : r.error;
  return "HTTP " + std::to_string(r.status) + ": " + error_message(r.body);
}

}  // namespace ringside::docker_api

#include "app/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <optional>

#include "app/config_file.h"
#include "model/catalog.h"
#include "model/rate.h"
#include "model/url_origin.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <string_view>
#include <thread>

namespace ringside {
namespace {

struct Flag {
  const char* name;
  const char* arg;  // nullptr: a switch without a value
  const char* help;
  std::function<bool(Config&, std::string_view)> set;
};

bool parse_uint(std::string_view s, uint64_t max, uint64_t* out) {
  uint64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > max) return false;
  *out = v;
  return true;
}

bool parse_seconds(std::string_view s, double* out) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !(v > 0) || !std::isfinite(v)) {
    return false;
  }
  *out = v;
  return true;
}

template <class T>
std::function<bool(Config&, std::string_view)> uint_field(T Config::*field, uint64_t max) {
  return [field, max](Config& c, std::string_view v) {
    uint64_t n;
    if (!parse_uint(v, max, &n)) return false;
    c.*field = static_cast<T>(n);
    return true;
  };
}

std::function<bool(Config&, std::string_view)> seconds_field(double Config::*field) {
  return [field](Config& c, std::string_view v) { return parse_seconds(v, &(c.*field)); };
}

// A RATE flag ("N/s", "N/min", "N/h") is a bucket of N refilled at that rate: a burst of one
// unit's worth.
bool parse_rate_flag(std::string_view v, double* per_second, double* burst) {
  std::optional<Rate> rate = parse_rate(v);
  if (!rate) return false;
  std::string_view unit = v.substr(v.find('/') + 1);
  const double unit_seconds = unit == "s" ? 1 : unit == "min" ? 60 : 3600;
  *per_second = rate->per_second;
  *burst = std::max(1.0, rate->per_second * unit_seconds);
  return true;
}

bool parse_fraction(std::string_view s, double* out) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0 || v > 1) return false;
  *out = v;
  return true;
}

std::function<bool(Config&, std::string_view)> string_field(std::string Config::*field) {
  return [field](Config& c, std::string_view v) {
    if (v.empty()) return false;
    c.*field = std::string(v);
    return true;
  };
}

std::function<bool(Config&, std::string_view)> fraction_field(double Config::*field) {
  return [field](Config& c, std::string_view v) { return parse_fraction(v, &(c.*field)); };
}

bool set_listen(Config& c, std::string_view v) {
  size_t colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  uint64_t port;
  if (!parse_uint(v.substr(colon + 1), 65535, &port)) return false;
  std::string_view host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  c.listen_host = std::string(host);
  c.listen_port = static_cast<uint16_t>(port);
  return true;
}

// A node id is [a-z0-9-]{1,32}: it names the node in logs, /cluster and the database.
bool set_node_id(Config& c, std::string_view v) {
  if (v.empty() || v.size() > 32) return false;
  for (char ch : v) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-')) return false;
  }
  c.node_id = std::string(v);
  return true;
}

// HOST:PORT, as --listen; the host must fit the node table's 63 bytes (model/messages.h).
bool set_advertise(Config& c, std::string_view v) {
  Config parsed;
  if (!set_listen(parsed, v) || parsed.listen_host.empty() || parsed.listen_host.size() > 63 ||
      parsed.listen_port == 0) {
    return false;
  }
  c.advertise_host = parsed.listen_host;
  c.advertise_port = parsed.listen_port;
  return true;
}

// An IPv4 or IPv6 address another node can dial: a peer connects without resolving names
// (http/peer_pool.cc), and a wildcard address names no host.
bool is_dialable_ip(const std::string& host) {
  in6_addr addr;
  if (inet_pton(AF_INET, host.c_str(), &addr) == 1) return host != "0.0.0.0";
  return inet_pton(AF_INET6, host.c_str(), &addr) == 1 && !IN6_IS_ADDR_UNSPECIFIED(&addr);
}

// Cluster mode needs the shared database, and an address the other nodes can reach.
// --static-routes is the other way to a cluster, without a database: never both.
std::string check_cluster(Config* c) {
  if (!c->static_routes.empty() && (!c->node_id.empty() || !c->database_url.empty())) {
    return "--static-routes is a static cluster without a database: it cannot be combined "
           "with --node-id or --database-url";
  }
  if (c->node_id.empty()) {
    if (!c->advertise_host.empty()) return "--advertise needs --node-id (cluster mode)";
    return {};
  }
  if (c->database_url.empty()) {
    return "--node-id (cluster mode) needs --database-url: the nodes share one PostgreSQL";
  }
  if (c->advertise_host.empty()) {
    if (c->listen_host.empty() || c->listen_host == "0.0.0.0" || c->listen_host == "::") {
      return "--node-id with --listen on a wildcard address needs --advertise IP:PORT";
    }
    if (!is_dialable_ip(c->listen_host)) {
      return "--node-id advertises the --listen address to the other nodes, and '" +
             c->listen_host +
             "' is not an IP address (they do not resolve names): give --advertise IP:PORT";
    }
    c->advertise_host = c->listen_host;
    c->advertise_port = c->listen_port;
  } else if (!is_dialable_ip(c->advertise_host)) {
    return "--advertise needs an IP address (v4 or v6) the other nodes can dial, not '" +
           c->advertise_host + "': they do not resolve names";
  }
  return {};
}

// Every webhook URL is http(s); the secret is read now, so a missing one stops the start.
// The error never quotes the secret file's content.
std::string check_webhooks(Config* c) {
  if (c->webhook_urls.empty()) {
    if (!c->webhook_secret_file.empty()) return "--webhook-secret-file needs --webhook-url";
    return {};
  }
  for (size_t i = 0; i < c->webhook_urls.size(); ++i) {
    const std::string& url = c->webhook_urls[i];
    const bool http = url.rfind("http://", 0) == 0 && url.size() > 7;
    const bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
    if (!http && !https) {
      // Named by its index and scheme://host only: a URL may carry credentials.
      return "--webhook-url at index " + std::to_string(i) + " (" + url_origin_for_log(url) +
             ") is not an http:// or https:// URL";
    }
  }
  if (c->webhook_secret_file.empty()) return "--webhook-url needs --webhook-secret-file";
  if (c->webhook_memory_events == 0) return "--webhook-memory-events must be at least 1";
  if (c->webhook_timeout_s <= 0) return "--webhook-timeout must be more than 0";
  std::ifstream in{c->webhook_secret_file};
  if (!in) return "--webhook-secret-file: cannot read '" + c->webhook_secret_file + "'";
  std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t end = secret.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) {
    return "--webhook-secret-file: '" + c->webhook_secret_file + "' is empty";
  }
  secret.resize(end + 1);
  c->webhook_secret = std::move(secret);
  return {};
}

std::vector<std::string> split_list(std::string_view v) {
  std::vector<std::string> items;
  while (!v.empty()) {
    const size_t comma = v.find(',');
    if (comma != 0) items.emplace_back(v.substr(0, comma));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return items;
}

// "FIRST-LAST=HOST:PORT,..." (partitions FIRST..LAST inclusive, HOST an IP literal).
bool set_static_routes(Config& c, std::string_view v) {
  c.static_routes.clear();
  for (const std::string& item : split_list(v)) {
    std::string_view s = item;
    const size_t eq = s.find('=');
    const size_t dash = s.find('-');
    const size_t colon = s.rfind(':');
    if (eq == std::string_view::npos || dash > eq || colon < eq || colon + 1 >= s.size()) {
      return false;
    }
    uint64_t first, last, port;
    if (!parse_uint(s.substr(0, dash), 1023, &first) ||
        !parse_uint(s.substr(dash + 1, eq - dash - 1), 1023, &last) || last < first ||
        !parse_uint(s.substr(colon + 1), 65535, &port) || port == 0) {
      return false;
    }
    StaticRoute r;
    r.first = static_cast<uint16_t>(first);
    r.count = static_cast<uint16_t>(last - first + 1);
    r.host = std::string(s.substr(eq + 1, colon - eq - 1));
    if (r.host.size() > 2 && r.host.front() == '[' && r.host.back() == ']') {
      r.host = r.host.substr(1, r.host.size() - 2);
    }
    if (r.host.size() >= 64 || !is_dialable_ip(r.host)) return false;
    r.port = static_cast<uint16_t>(port);
    c.static_routes.push_back(std::move(r));
  }
  return !c.static_routes.empty();
}

// The token's file holds the token alone; surrounding whitespace (a final newline) is dropped.
bool set_gameye_token_file(Config& c, std::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) return false;
  std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t b = token.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return false;
  c.gameye_token = token.substr(b, token.find_last_not_of(" \t\r\n") - b + 1);
  return true;
}

const std::vector<Flag>& flags() {
  static const std::vector<Flag> table = {
      {"listen", "HOST:PORT", "address to listen on (default 127.0.0.1:8080)", set_listen},
      {"shards", "N", "shard threads, one per core (default: number of cores)",
       uint_field(&Config::shards, 1024)},
      {"log-level", "LEVEL", "debug, info, warn or error (default info)",
       [](Config& c, std::string_view v) { return parse_log_level(v, &c.log_level); }},
      {"config", "FILE", "read `key = value` lines first (see below); flags override them",
       nullptr},
      {"max-connections", "N", "open connections per shard; accepting pauses beyond (100000)",
       uint_field(&Config::max_connections, 10000000)},
      {"header-timeout", "SECONDS", "time for a request line and headers to arrive (10)",
       seconds_field(&Config::header_timeout_s)},
      {"body-timeout", "SECONDS", "time for a request body to arrive (30)",
       seconds_field(&Config::body_timeout_s)},
      {"keepalive-timeout", "SECONDS", "idle keep-alive connections close after (75)",
       seconds_field(&Config::keepalive_timeout_s)},
      {"drain-timeout", "SECONDS", "on SIGTERM, time to finish in-flight requests (30)",
       seconds_field(&Config::drain_timeout_s)},
      {"max-output-backlog", "BYTES", "unsent answers after which a client is cut off (4194304)",
       uint_field(&Config::max_output_backlog, uint64_t{1} << 40)},
      {"connection-buffer-budget", "BYTES",
       "per shard: buffered bytes past which the largest holders are cut (268435456)",
       uint_field(&Config::connection_buffer_budget, uint64_t{1} << 40)},
      {"backend", "NAME", "game backend: sim (default), gameye, docker",
       [](Config& c, std::string_view v) {
         if (v != "sim" && v != "gameye" && v != "docker") return false;
         c.backend = std::string(v);
         return true;
       }},
      {"operator-key", "KEY", "bearer key of /operator/launch (default: random, printed once)",
       string_field(&Config::operator_key)},
      {"iframe-base", "URL", "base of launch URLs (default http://127.0.0.1:8080/play)",
       string_field(&Config::iframe_base)},
      {"catalog", "FILE", "game catalog JSON {\"games\":[...]} (default: built-in demo)",
       string_field(&Config::catalog_file)},
      {"token-ttl", "SECONDS", "token sessions expire after this long unused (3600)",
       seconds_field(&Config::token_ttl_s)},
      {"refresh-grace", "SECONDS", "a refreshed token keeps working this long (60)",
       seconds_field(&Config::refresh_grace_s)},
      {"session-idle-timeout", "SECONDS", "sessions without keepalive are reclaimed (1800)",
       seconds_field(&Config::session_idle_timeout_s)},
      {"max-session-seconds", "SECONDS",
       "sessions are stopped after running this long, 0..604800; a game's maxSessionSeconds "
       "wins (0: no limit)",
       uint_field(&Config::max_session_seconds, Catalog::kMaxSessionSecondsLimit)},
      {"launch-rate-per-player", "RATE", "launches per player, N/s N/min or N/h (10/min)",
       [](Config& c, std::string_view v) {
         return parse_rate_flag(v, &c.launch_rate_per_player, &c.launch_burst_per_player);
       }},
      {"launch-budget", "RATE", "launches per process, shared by the shards (5000/s)",
       [](Config& c, std::string_view v) {
         return parse_rate_flag(v, &c.launch_budget, &c.launch_budget_burst);
       }},
      {"launch-queue", "N", "launches waiting for capacity before 503 no_servers (10000)",
       uint_field(&Config::launch_queue, 10000000)},
      {"launch-queue-timeout", "SECONDS", "a queued launch ends in error no_servers after (60)",
       seconds_field(&Config::launch_queue_timeout_s)},
      {"sim-servers", "N", "simulated game servers (4)", uint_field(&Config::sim_servers, 4096)},
      {"sim-slots-per-server", "N", "sessions one simulated server holds at most (64)",
       uint_field(&Config::sim_slots_per_server, 1000000)},
      {"sim-server-cpu", "MILLICORES", "CPU of one simulated server (64000)",
       uint_field(&Config::sim_server_cpu_millicores, 100000000)},
      {"sim-server-memory-mb", "MB", "memory of one simulated server (262144)",
       uint_field(&Config::sim_server_memory_mb, 100000000)},
      {"sim-pull-ms", "MS", "simulated image pull time (1500)",
       uint_field(&Config::sim_pull_ms, 3600000)},
      {"sim-start-ms", "MS", "simulated container start time (300)",
       uint_field(&Config::sim_start_ms, 3600000)},
      {"sim-stop-ms", "MS", "simulated stop time of a running session (0)",
       uint_field(&Config::sim_stop_ms, 3600000)},
      {"sim-session-cpu", "CORES", "average cores a simulated session uses (0.5)",
       [](Config& c, std::string_view v) {
         double x;
         if (!parse_seconds(v, &x)) return false;
         c.sim_session_cpu_cores = x;
         return true;
       }},
      {"sim-session-memory-mb", "MB", "peak memory a simulated session reports (768)",
       uint_field(&Config::sim_session_memory_mb, 10000000)},
      {"sim-pull-failure-rate", "P", "fault injection: share of pulls that fail, 0..1 (0)",
       fraction_field(&Config::sim_pull_failure_rate)},
      {"sim-start-failure-rate", "P", "fault injection: share of starts that fail, 0..1 (0)",
       fraction_field(&Config::sim_start_failure_rate)},
      {"sim-cached-images", "WHICH", "images on the simulated servers at start: all, none (all)",
       [](Config& c, std::string_view v) {
         if (v != "all" && v != "none") return false;
         c.sim_cached_images = std::string(v);
         return true;
       }},
      {"gameye-url", "URL", "Gameye API base URL (https://api.gameye.io)",
       string_field(&Config::gameye_url)},
      {"gameye-token-file", "FILE", "file holding the Gameye API token (preferred over a flag)",
       set_gameye_token_file},
      {"gameye-token", "TOKEN", "the Gameye API token itself (visible in ps; prefer the file)",
       string_field(&Config::gameye_token)},
      {"gameye-locations", "A,B,...", "Gameye locations, one game server each (europe)",
       [](Config& c, std::string_view v) {
         c.gameye_locations = split_list(v);
         return !c.gameye_locations.empty();
       }},
      {"gameye-slots-per-location", "N", "sessions ringside runs per Gameye location (100)",
       uint_field(&Config::gameye_slots_per_location, 1000000)},
      {"gameye-fleet", "NAME", "label marking this deployment's Gameye sessions (ringside)",
       string_field(&Config::gameye_fleet)},
      {"gameye-timeout", "SECONDS", "time for one Gameye API request (10)",
       seconds_field(&Config::gameye_timeout_s)},
      {"gameye-retries", "N", "retries of a Gameye call after a timeout or 5xx (3)",
       uint_field(&Config::gameye_retries, 20)},
      {"gameye-liveness-interval", "SECONDS",
       "check running Gameye sessions and owed stops this often; 0: never (30)",
       uint_field(&Config::gameye_liveness_interval_s, 86400)},
      {"docker-fleet", "FILE",
       "Docker engines as JSON [{name, engine, urlBase, cpuMillicores, memoryMb, slots}]",
       string_field(&Config::docker_fleet)},
      {"docker-engines", "URL,URL,...", "Docker engines (unix:///path or tcp://host:port)",
       string_field(&Config::docker_engines)},
      {"docker-engine-cpu", "MILLICORES", "CPU of each --docker-engines server (16000)",
       uint_field(&Config::docker_engine_cpu_millicores, 100000000)},
      {"docker-engine-memory-mb", "MB", "memory of each --docker-engines server (32768)",
       uint_field(&Config::docker_engine_memory_mb, 100000000)},
      {"docker-engine-slots", "N", "sessions each --docker-engines server holds (32)",
       uint_field(&Config::docker_engine_slots, 1000000)},
      {"save-root", "DIR", "where the Docker backend keeps save data (/var/lib/ringside/saves)",
       string_field(&Config::save_root)},
      {"docker-pull-timeout", "SECONDS", "an image pull fails after (60)",
       seconds_field(&Config::docker_pull_timeout_s)},
      {"docker-stop-grace", "SECONDS", "a stopping game gets this long before SIGKILL (10)",
       seconds_field(&Config::docker_stop_grace_s)},
      {"docker-orphan-grace", "SECONDS", "unknown ringside containers are removed after (60)",
       seconds_field(&Config::docker_orphan_grace_s)},
      {"docker-lost-timeout", "SECONDS", "an engine down this long loses its sessions (30)",
       seconds_field(&Config::docker_lost_timeout_s)},
      {"database-url", "URL",
       "PostgreSQL (postgres://user@host:port/db): durable state; default: memory only",
       string_field(&Config::database_url)},
      {"token-secret-file", "FILE",
       "the secret tokens are derived with; created if missing (with --database-url: "
       "ringside-token.secret)",
       string_field(&Config::token_secret_file)},
      {"retention-sweep-interval", "SECONDS",
       "with --database-url, one small sweep this often deletes ended sessions beyond each "
       "player's newest 100 and token sessions an hour past expiry; active sessions, save "
       "slots and live tokens are kept (1)",
       seconds_field(&Config::retention_sweep_interval_s)},
      {"webhook-url", "URL[,URL...]",
       "POST every session event (running, error, stopped), signed, to each of these http:// "
       "or https:// URLs (docs/webhooks.md); needs --webhook-secret-file",
       [](Config& c, std::string_view v) {
         c.webhook_urls = split_list(v);
         return !c.webhook_urls.empty();
       }},
      {"webhook-secret-file", "FILE",
       "file holding the secret webhooks are signed with (HMAC-SHA256); trailing whitespace is "
       "not part of it",
       string_field(&Config::webhook_secret_file)},
      {"webhook-memory-events", "N",
       "webhook events held in memory at most; past it they wait in the database's outbox, or "
       "without --database-url the oldest are dropped (10000)",
       uint_field(&Config::webhook_memory_events, 10000000)},
      {"node-id", "NAME",
       "cluster mode: this node's unique name, [a-z0-9-]{1,32}; needs --database-url", set_node_id},
      {"advertise", "IP:PORT",
       "cluster mode: where the other nodes reach this one, an IP address (default: the "
       "--listen address)",
       set_advertise},
      {"static-routes", "FIRST-LAST=HOST:PORT,...",
       "a static cluster without a database: partitions FIRST..LAST (of 1024) are served by "
       "the ringside at HOST:PORT (an IP address), the others here; every node must be given "
       "the same token secret (--token-secret-file); not with --database-url or --node-id. For "
       "tests and benchmarks: no failover",
       set_static_routes},
      {"uring-fallbacks", nullptr,
       "use the fallback of every optional io_uring feature (for testing)",
       [](Config& c, std::string_view) {
         c.uring_fallbacks = true;
         return true;
       }},
      // Hidden (no help line): for tests that need a hanging receiver to time out sooner.
      {"webhook-timeout", "SECONDS", nullptr, seconds_field(&Config::webhook_timeout_s)},
      {"help", nullptr, "print this help and exit", nullptr},
  };
  return table;
}

const Flag* find_flag(std::string_view name) {
  for (const Flag& f : flags()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

std::string apply(Config* config, std::string_view name, std::string_view value,
                  const std::string& where) {
  const Flag* f = find_flag(name);
  if (!f || !f->set) return where + ": unknown option '" + std::string(name) + "'";
  if (!f->set(*config, value)) {
    return where + ": invalid value '" + std::string(value) + "' for " + std::string(name);
  }
  return {};
}

std::string load_file(const std::string& path, Config* config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read config file " + path;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<ConfigEntry> entries;
  if (std::string err = read_config_text(text, path, &entries); !err.empty()) return err;
  for (const ConfigEntry& e : entries) {
    std::string err = apply(config, e.key, e.value, path + ":" + std::to_string(e.line));
    if (!err.empty()) return err;
  }
  return {};
}

}  // namespace

std::string usage() {
  std::string out = "usage: ringside [flags]\n\nflags:\n";
  for (const Flag& f : flags()) {
    if (!f.help) continue;  // hidden: for tests
    std::string left = std::string("  --") + f.name + (f.arg ? std::string(" ") + f.arg : "");
    if (left.size() < 32) left.resize(32, ' ');
    out += left + " " + f.help + "\n";
  }
  out +=
      "\nconfig file (--config): one `key = value` per line, keys as the flags above without\n"
      "the dashes. `#` starts a comment at the start of a line or after a blank (so\n"
      "`operator-key = s3cret#tail` keeps the whole key). A value in double quotes holds\n"
      "anything, with \\\" for a quote and \\\\ for a backslash: `database-url = "
      "\"postgres://...\"`.\n";
  return out;
}

std::string parse_config(int argc, char** argv, Config* config, bool* help) {
  *help = false;
  struct Pending {
    std::string name, value;
  };
  std::vector<Pending> pending;
  std::string config_file;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") return "unexpected argument '" + std::string(arg) + "'";
    arg.remove_prefix(2);
    std::string name(arg), value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    if (name == "help") {
      *help = true;
      return {};
    }
    const Flag* f = find_flag(name);
    if (!f) return "unknown flag --" + name + " (see --help)";
    if (f->arg && !has_value) {
      if (i + 1 >= argc) return "flag --" + name + " needs a value";
      value = argv[++i];
    }
    if (name == "config") {
      config_file = value;
    } else {
      pending.push_back({name, value});
    }
  }
  if (!config_file.empty()) {
    std::string err = load_file(config_file, config);
    if (!err.empty()) return err;
  }
  for (const Pending& p : pending) {
    std::string err = apply(config, p.name, p.value, "--" + p.name);
    if (!err.empty()) return err;
  }
  if (config->backend == "gameye" && config->gameye_token.empty()) {
    return "--backend gameye needs --gameye-token-file";
  }
  if (std::string err = check_cluster(config); !err.empty()) return err;
  if (std::string err = check_webhooks(config); !err.empty()) return err;
  if (config->shards == 0) config->shards = std::max(1u, std::thread::hardware_concurrency());
  return {};
}

}  // namespace ringside

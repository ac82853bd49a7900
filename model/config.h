#pragma once
// Everything ringside can be told at start (app/config.h reads it from flags and a config
// file). Read-only once the threads run: each layer reads the fields it needs.
#include <cstdint>
#include <string>
#include <vector>

#include "core/log.h"

namespace ringside {

// Partitions [first, first + count) are served by the node at host:port (--static-routes).
struct StaticRoute {
  uint16_t first = 0;
  uint16_t count = 0;
  std::string host;  // an IP literal
  uint16_t port = 0;
};

struct Config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  uint32_t shards = 0;  // 0: one per core
  LogLevel log_level = LogLevel::kInfo;
  uint32_t max_connections = 100000;  // per shard
  double header_timeout_s = 10;
  double body_timeout_s = 30;
  double keepalive_timeout_s = 75;
  double drain_timeout_s = 30;
  uint64_t max_output_backlog = 4 << 20;
  uint64_t connection_buffer_budget = uint64_t{256} << 20;  // per shard
  bool uring_fallbacks = false;  // force the fallback of every optional io_uring feature
  // A static cluster without a database (docs/cluster.md): partitions served by other nodes;
  // every other partition is served here. Empty: every partition is served here.
  std::vector<StaticRoute> static_routes;

  // Durable state (store/durable): empty keeps everything in memory only.
  std::string database_url;
  // The secret tokens are derived with must outlive the process when state does: kept in this
  // file (not in the database). Empty: a new random secret per process, or with a database,
  // ringside-token.secret in the working directory.
  std::string token_secret_file;
  // Seconds between retention sweeps (store/durable/retention_sweep.h, docs/retention.md).
  double retention_sweep_interval_s = 1;

  // Webhooks (docs/webhooks.md): every URL gets every session event, signed with the secret
  // read from `webhook_secret_file` (its trailing whitespace dropped; never logged).
  std::vector<std::string> webhook_urls;
  std::string webhook_secret_file;
  std::string webhook_secret;  // not a flag: the file's content, read at start
  // Events held in memory at most (past it: left in the outbox with a database, else the
  // oldest dropped).
  uint32_t webhook_memory_events = 10000;
  // Hidden, for tests: one attempt's timeout (10 s).
  double webhook_timeout_s = 10;

  // Cluster mode (docs/cluster.md): a node id turns it on. Empty: one node, as before.
  std::string node_id;
  // Where the other nodes reach this one; empty host: the listen address.
  std::string advertise_host;
  uint16_t advertise_port = 0;
  // Not a flag: set at start by a Docker-backed cluster node, the random value of its save
  // root marker for this run (app/save_root_marker.h). Empty: no marker, nothing checked.
  std::string save_root_nonce;

  // Sessions API.
  std::string backend = "sim";
  std::string operator_key;  // empty: a random key is generated and printed once
  std::string iframe_base = "http://127.0.0.1:8080/play";
  std::string catalog_file;  // empty: the built-in demo catalog
  double token_ttl_s = 3600;
  double refresh_grace_s = 60;
  double session_idle_timeout_s = 1800;
  // Time limit of a session from `running`, for games without maxSessionSeconds; 0: none.
  uint32_t max_session_seconds = 0;
  // Launch limits: a RATE is "N/s", "N/min" or "N/h"; the bucket holds N.
  double launch_rate_per_player = 10.0 / 60;
  double launch_burst_per_player = 10;
  double launch_budget = 5000;
  double launch_budget_burst = 5000;
  uint32_t launch_queue = 10000;
  double launch_queue_timeout_s = 60;

  // The simulated fleet (--backend sim).
  uint32_t sim_servers = 4;
  uint32_t sim_slots_per_server = 64;
  uint32_t sim_server_cpu_millicores = 64000;
  uint32_t sim_server_memory_mb = 262144;
  uint32_t sim_pull_ms = 1500;
  uint32_t sim_start_ms = 300;
  uint32_t sim_stop_ms = 0;
  double sim_session_cpu_cores = 0.5;  // figures a simulated session reports on stop
  uint32_t sim_session_memory_mb = 768;
  double sim_pull_failure_rate = 0;  // fault injection, 0..1
  double sim_start_failure_rate = 0;
  std::string sim_cached_images = "all";  // "all", "none": images on every server at start

  // Gameye (--backend gameye): one logical game server per location.
  std::string gameye_url = "https://api.gameye.io";
  std::string gameye_token;  // read from --gameye-token-file (or --gameye-token); never logged
  std::vector<std::string> gameye_locations = {"europe"};
  uint32_t gameye_slots_per_location = 100;
  std::string gameye_fleet = "ringside";  // label value marking this deployment's sessions
  double gameye_timeout_s = 10;
  uint32_t gameye_retries = 3;
  uint32_t gameye_liveness_interval_s = 30;  // the fleet's listing is checked this often; 0: never

  // Docker (--backend docker): each game server is a Docker engine.
  std::string docker_fleet;    // JSON file [{"name","engine","urlBase",...}]; wins over the list
  std::string docker_engines;  // "unix:///a.sock,tcp://host:2375"
  uint32_t docker_engine_cpu_millicores = 16000;  // capacities of --docker-engines servers
  uint32_t docker_engine_memory_mb = 32768;
  uint32_t docker_engine_slots = 32;
  std::string save_root = "/var/lib/ringside/saves";  // save data, one tar per slot
  double docker_pull_timeout_s = 60;
  double docker_stop_grace_s = 10;
  double docker_orphan_grace_s = 60;
  double docker_lost_timeout_s = 30;
};

}  // namespace ringside

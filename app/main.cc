// ringside: the front door of a cloud-gaming platform. main() reads the configuration,
// starts one shard thread per core and the I/O core, and waits for them to drain and stop.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include "app/config.h"
#include "app/cpu_affinity.h"
#include "app/durable_boot.h"
#include "app/fleet.h"
#include "app/io_core.h"
#include "app/process.h"
#include "app/save_root_marker.h"
#include "app/shard.h"
#include "core/log.h"
#include "http/listen_socket.h"
#include "model/catalog.h"
#include "model/ids.h"

using namespace ringside;

int main(int argc, char** argv) {
  // `ringside migrate [flags]`: apply the schema migrations and exit.
  const bool migrate_only = argc > 1 && std::strcmp(argv[1], "migrate") == 0;
  if (migrate_only) {
    --argc;
    ++argv;
  }
  Config config;
  bool help = false;
  std::string error = parse_config(argc, argv, &config, &help);
  if (help) {
    fputs(usage().c_str(), stdout);
    return 0;
  }
  if (!error.empty()) {
    fprintf(stderr, "ringside: %s\n", error.c_str());
    return 2;
  }
  set_log_level(config.log_level);
  if (migrate_only) return run_migrate_command(config);
  if (config.operator_key.empty()) {
    // Printed once, to stdout and not to the log: logs never carry secrets.
    config.operator_key = id_to_string(IdKind::kToken, IdOwner{}, random_id128()).substr(3);
    printf("operator key: %s\n", config.operator_key.c_str());
    fflush(stdout);
  }

  // Every connection is a descriptor: allow as many as the hard limit lets us.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  // Signals are taken by shard 0 through a signalfd; every thread inherits this mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  try {
    Catalog catalog = Catalog::demo();
    if (!config.catalog_file.empty()) {
      std::string why;
      std::optional<Catalog> loaded = Catalog::load(config.catalog_file, &why);
      if (!loaded) {
        fprintf(stderr, "ringside: %s\n", why.c_str());
        return 2;
      }
      catalog = std::move(*loaded);
    }
    // A Docker-backed cluster node marks its save root before it registers, so that the
    // nodes can tell whether they share it (docs/cluster.md, "The save root is checked").
    if (!config.node_id.empty() && config.backend == "docker") {
      config.save_root_nonce = new_save_root_nonce();
      if (!write_save_root_marker(config.save_root, config.node_id, config.save_root_nonce,
                                  &error)) {
        log_error("save_root_unusable")
            .kv("node", config.node_id)
            .kv("path", save_root_marker_path(config.save_root, config.node_id))
            .kv("error", error);
        return 1;
      }
    }
    TokenMinter::Secret secret;
    if (!token_secret_for(config, &secret, &error)) {
      fprintf(stderr, "ringside: %s\n", error.c_str());
      return 2;
    }
    Process process(config, std::move(catalog), make_fleet(config), secret);
    const Runtime& runtime = process.runtime();
    if (!config.database_url.empty()) {
      std::unique_ptr<LoadedState> loaded;
      if (!boot_durable_state(config, runtime.catalog, runtime.servers, runtime.token_secret,
                              &loaded, &error)) {
        log_error("database_unusable").kv("error", error);
        return 1;
      }
      process.set_legacy_tokens(std::move(loaded->legacy_tokens));
      process.set_loaded(std::move(loaded));
    }
    for (uint32_t i = 0; i < config.shards; ++i) {
      int fd = open_listen_socket(config.listen_host, config.listen_port);
      if (fd < 0) {
        log_error("listen_failed")
            .kv("addr", config.listen_host + ":" + std::to_string(config.listen_port))
            .kv("error", strerror(-fd));
        return 1;
      }
      process.add_listen_socket(fd);
    }
    std::vector<int> cpus = allowed_cpus();
    std::vector<std::thread> threads;
    threads.emplace_back([hand = process.io()]() mutable { run_io_core(std::move(hand)); });
    for (uint32_t i = 0; i < config.shards; ++i) {
      threads.emplace_back([hand = process.shard(i), &cpus] { run_shard(hand, cpus); });
    }
    process.wait_until_listening();
    log_info("listening")
        .kv("addr", config.listen_host + ":" + std::to_string(config.listen_port))
        .kv("shards", config.shards);
    for (std::thread& t : threads) t.join();
    log_info("stopped");
  } catch (const std::exception& e) {
    log_error("startup_failed").kv("error", e.what());
    return 1;
  }
  return 0;
}

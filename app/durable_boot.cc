#include "app/durable_boot.h"

#include <cstdio>

#include "core/log.h"
#include "model/cluster_key.h"
#include "model/partition.h"
#include "store/durable/state_loader.h"
#include "store/pg/migrations.h"
#include "store/pg/pg_connection.h"
#include "store/token_secret_file.h"

namespace ringside {
namespace {

constexpr const char* kDefaultSecretFile = "ringside-token.secret";
constexpr const char* kClusterKeySetting = "cluster_key_sha256";

bool migrate(const Config& config, std::string* error) {
  if (!PgConnection::valid_url(config.database_url, error)) {
    *error = "--database-url: " + *error;
    return false;
  }
  MigrationReport report;
  if (!apply_migrations(config.database_url, embedded_migrations(), &report, error)) return false;
  log_info("migrations").kv("applied", report.applied).kv("schema_version", report.schema_version);
  return true;
}

// Every node of a cluster must hold the same token secret: tokens and the cluster key that
// forwards carry derive from it. With another one, every forward is refused (403, the client
// sees 502) and tokens minted elsewhere are 401, with no word why. So the first node writes
// the key's fingerprint into `settings`, and a node whose fingerprint differs refuses to start.
bool same_cluster_key(const Config& config, const TokenMinter::Secret& secret, std::string* error) {
  const std::string mine = cluster_key_fingerprint(cluster_forward_key(secret));
  std::string stored;
  if (!claim_setting(config.database_url, kClusterKeySetting, mine, &stored, error)) return false;
  if (stored == mine) return true;
  const std::string& file =
      config.token_secret_file.empty() ? kDefaultSecretFile : config.token_secret_file;
  *error = "node " + config.node_id + ": its token secret (" + file +
           ") is not the one the other nodes of this cluster use (settings." + kClusterKeySetting +
           "): start every node with the same --token-secret-file";
  return false;
}

}  // namespace

bool token_secret_for(const Config& config, TokenMinter::Secret* secret, std::string* error) {
  std::string path = config.token_secret_file;
  if (path.empty() && !config.database_url.empty()) path = kDefaultSecretFile;
  if (path.empty()) {
    *secret = TokenMinter::random_secret();
    return true;
  }
  return load_or_create_secret(path, secret, error);
}

bool boot_durable_state(const Config& config, const Catalog& catalog,
                        const std::vector<GameServerInfo>& servers,
                        const TokenMinter::Secret& secret, std::unique_ptr<LoadedState>* loaded,
                        std::string* error) {
  if (!migrate(config, error)) return false;
  if (!config.node_id.empty() && !same_cluster_key(config, secret, error)) return false;
  if (!store_catalog(config.database_url, catalog, error)) return false;
  auto state = std::make_unique<LoadedState>();
  const TokenMinter minter(secret);
  if (!load_state(config.database_url, catalog, servers, config.shards, minter, state.get(),
                  error)) {
    return false;
  }
  log_info("state_loaded")
      .kv("active", state->active.size())
      .kv("profiles", state->profiles.size())
      .kv("legacy_tokens", state->legacy_tokens.size())
      .kv("rows_given_partition", state->rows_given_partition)
      .kv("skipped", state->rows_skipped);
  *loaded = std::move(state);
  return true;
}

bool load_shard_state(const Runtime& runtime, uint32_t index,
                      const std::function<void(ShardState&)>& restore, std::string* error) {
  ShardLoadCounts n;
  const std::vector<uint16_t> partitions = partitions_of_shard(index, runtime.shard_count());
  if (!stream_partition_state(runtime.config.database_url, runtime.catalog, runtime.servers,
                              partitions, restore, &n, error)) {
    return false;
  }
  log_info("shard_state_loaded")
      .kv("shard", index)
      .kv("players", n.players)
      .kv("tokens", n.tokens)
      .kv("slots", n.slots)
      .kv("sessions", n.sessions)
      .kv("skipped", n.skipped);
  return true;
}

int run_migrate_command(const Config& config) {
  if (config.database_url.empty()) {
    fprintf(stderr, "ringside migrate: needs --database-url\n");
    return 2;
  }
  std::string error;
  if (!migrate(config, &error)) {
    fprintf(stderr, "ringside migrate: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace ringside

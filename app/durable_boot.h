#pragma once
// Start-up with --database-url, before any thread serves: the schema is migrated, the catalog
// written, the token secret read from its file (or created), and the durable state read back
// (what the I/O core needs in the main thread, each shard's rows in that shard's thread).
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/backend.h"
#include "model/catalog.h"
#include "model/config.h"
#include "model/loaded_state.h"
#include "model/runtime.h"
#include "model/token_minter.h"

namespace ringside {

// The token secret of this process: from --token-secret-file (or its default with a
// database), else a new random one.
bool token_secret_for(const Config& config, TokenMinter::Secret* secret, std::string* error);

// Migrates, writes the catalog, gives rows written before partitions theirs, and loads what
// the I/O core recovers and the legacy tokens (derived with `secret`). False and why on any
// failure.
bool boot_durable_state(const Config& config, const Catalog& catalog,
                        const std::vector<GameServerInfo>& servers,
                        const TokenMinter::Secret& secret, std::unique_ptr<LoadedState>* loaded,
                        std::string* error);

// In shard `index`'s thread, after boot_durable_state and before the shard serves: its rows,
// handed to `restore` a batch at a time as they are read (state_loader.h).
bool load_shard_state(const Runtime& runtime, uint32_t index,
                      const std::function<void(ShardState&)>& restore, std::string* error);

// `ringside migrate`: applies the migrations and reports; the process exit status.
int run_migrate_command(const Config& config);

}  // namespace ringside

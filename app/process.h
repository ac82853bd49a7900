#pragma once
// One ringside process: the read-only Runtime every thread shares, and what each thread is
// handed for itself when it starts — its end of the message bus, its listening socket, the
// metric blocks it writes, its share of the state read back. Nothing here is written by two
// threads: main() fills it before any thread starts, then each thread touches only its own
// hand-off (the latches and the bus being made for exactly this).
#include <latch>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/message_bus.h"
#include "model/loaded_state.h"
#include "model/runtime.h"

namespace ringside {

inline constexpr size_t kMailboxBytes = 1 << 20;  // each ring of the bus

// Every thread creates its ring, publishes the ring fd, then waits at `rings_ready` before it
// may ring anyone's doorbell.
struct ShardHandOff {
  const Runtime& runtime;
  uint32_t index;
  MessageBus& bus;
  int listen_fd;  // opened before any shard starts
  HttpMetrics& http_metrics;
  PlayerMetrics& player_metrics;
  std::latch& rings_ready;
  std::latch& listening;  // counted down once the socket listens
};

struct IoHandOff {
  const Runtime& runtime;
  MessageBus& bus;
  PlacementMetrics& placement_metrics;
  StoreMetrics& store_metrics;
  BackendMetrics& backend_metrics;
  CatalogMetrics& catalog_metrics;
  WebhookMetrics& webhook_metrics;
  std::atomic<bool>& launches_accepted;
  // SIGHUP: the I/O core reloads --catalog into it (the one writer; Catalog::reload).
  Catalog& catalog;
  std::latch& rings_ready;
  // With --database-url: the sessions to recover and the game profiles read back at start
  // (each shard reads its own rows itself). Null: memory only.
  std::unique_ptr<LoadedState> loaded;
};

class Process {
 public:
  Process(const Config& config, Catalog catalog, std::vector<GameServerInfo> fleet,
          const TokenMinter::Secret& secret)
      : published_(config.shards, fleet.size()),  // before runtime_ takes the fleet
        catalog_(std::move(catalog)),
        runtime_(config, catalog_, std::move(fleet), secret, published_, legacy_tokens_),
        bus_(config.shards + 1, kMailboxBytes),
        rings_ready_(config.shards + 1),
        listening_(config.shards) {}

  const Runtime& runtime() const { return runtime_; }
  void set_loaded(std::unique_ptr<LoadedState> loaded) { loaded_ = std::move(loaded); }
  // Before any thread starts: the legacy tokens read back (Runtime::legacy_tokens).
  void set_legacy_tokens(LegacyTokens tokens) { legacy_tokens_ = std::move(tokens); }
  void add_listen_socket(int fd) { listen_fds_.push_back(fd); }
  void wait_until_listening() { listening_.wait(); }

  // After every listening socket was added.
  ShardHandOff shard(uint32_t index) {
    return {runtime_,
            index,
            bus_,
            listen_fds_.at(index),
            published_.http_[index],
            published_.players_[index],
            rings_ready_,
            listening_};
  }
  // Once: the loaded state moves to the I/O core.
  IoHandOff io() {
    if (io_handed_) throw std::logic_error("Process::io() handed out twice");
    io_handed_ = true;
    return {runtime_,
            bus_,
            published_.placement_,
            published_.store_,
            published_.backend_,
            published_.catalog_,
            published_.webhooks_,
            published_.launches_accepted_,
            catalog_,
            rings_ready_,
            std::move(loaded_)};
  }

 private:
  Published published_;
  Catalog catalog_;             // before runtime_, which refers to it
  LegacyTokens legacy_tokens_;  // before runtime_, which refers to it
  Runtime runtime_;
  MessageBus bus_;
  std::vector<int> listen_fds_;  // shard i owns [i]
  std::latch rings_ready_;
  std::latch listening_;
  std::unique_ptr<LoadedState> loaded_;
  bool io_handed_ = false;
};

}  // namespace ringside

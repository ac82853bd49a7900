#pragma once
// The game catalog, from a JSON file (--catalog) or the built-in demo. Every thread reads it
// without coordination: what it reads is an immutable snapshot, published by one atomic
// pointer. A reload (SIGHUP, docs/configuration.md) publishes a new snapshot made by one
// thread (the I/O core); every snapshot is kept until exit, so a reference a reader holds
// stays valid. A game's index never changes while the process runs (sessions hold it): a
// reload changes a game in place, appends a new one and marks a removed one removed.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ringside {

struct Game {
  std::string slug;
  std::string title;
  std::string image;  // container image reference (registry/name:tag)
  uint32_t size_mb = 0;
  double cpu_cores = 1.0;  // the resource profile's starting point, before any EMA sample
  uint32_t memory_mb = 1024;
  std::string save_dir = "/save";  // where the game keeps its save data in its container
  // The longest a session of this game may run, counted from `running`; 0: the
  // --max-session-seconds default applies (SPEC "Time limits and the queue").
  uint32_t max_session_seconds = 0;
  // Warm pool (docs/warm-pools.md): `"warmPool": N` keeps N warm containers (warm_auto false);
  // `"warmPool": "auto"` sizes the pool from the launch rate and start time, between
  // `warmPoolMin` and `warmPoolMax` (warm_auto true). 0 / absent: no pool.
  uint32_t warm_pool = 0;
  bool warm_auto = false;
  uint32_t warm_pool_min = 0;
  uint32_t warm_pool_max = 0;
  // Gone from the file at a reload: find() does not see it (launches 404, hidden from
  // /api/games), while its index keeps naming it for the sessions that run it (find_any()
  // sees it).
  bool removed = false;
};

class Catalog {
 public:
  // Bounds on what a catalog may hold, checked at load: every answer made of it (the listing
  // is the largest) stays a size the API can carry, and indices fit a uint16_t.
  static constexpr size_t kMaxGames = 1000;
  static constexpr size_t kMaxTitleBytes = 256;
  static constexpr size_t kMaxImageBytes = 512;
  static constexpr size_t kMaxSaveDirBytes = 256;
  static constexpr uint32_t kMaxSessionSecondsLimit = 7 * 24 * 3600;  // a week
  // The resource profile's bounds: far above any machine, low enough that every figure made of
  // them (millicores, reservations in MB) fits a uint32_t.
  static constexpr uint32_t kMaxSizeMb = 1u << 24;  // 16 TiB
  static constexpr uint32_t kMaxMemoryMb = 1u << 24;
  static constexpr double kMaxCpuCores = 1024;
  // A warm pool's size, fixed or auto's bounds: at most this many containers per game.
  static constexpr uint32_t kMaxWarmPool = 256;
  static constexpr uint32_t kDefaultWarmPoolMax = 16;  // warmPoolMax of "auto" when absent

  Catalog();
  // Copies and moves take the current snapshot's games (before threads share the catalog).
  Catalog(const Catalog& other);
  Catalog(Catalog&& other) noexcept;
  Catalog& operator=(const Catalog& other);
  Catalog& operator=(Catalog&& other) noexcept;
  ~Catalog();

  static Catalog demo();
  // {"games": [{"slug", "title", "image", "sizeMb", "cpuCores"?, "memoryMb"?, "saveDir"?,
  // "maxSessionSeconds"?, "warmPool"?, "warmPoolMin"?, "warmPoolMax"?}]}
  // with the bounds above and slugs as model/identifiers.h has them.
  static std::optional<Catalog> parse(std::string_view json, std::string* error);
  static std::optional<Catalog> load(const std::string& path, std::string* error);

  // Every game ever loaded, removed ones included (a session's index stays valid). The
  // reference stays valid until exit.
  const std::vector<Game>& games() const { return current_.load(std::memory_order_acquire)->games; }
  // Index of the game with this slug, or -1 (also for a removed game): for what starts
  // something new (a launch, a token scoped to a game) or lists the games.
  int find(std::string_view slug) const;
  // Index of the game with this slug, removed or not, or -1: for what names a game that
  // already ran (stored rows read back, an operator filter on sessions), whose sessions a
  // reload does not end.
  int find_any(std::string_view slug) const;

  // The games of `file` (a parsed catalog) become the current ones: a game whose slug is
  // known keeps its index and takes the file's fields; a new one is appended; one missing
  // from the file is marked removed (and comes back in place if a later file has it again).
  // Refused (false, *error set, nothing changes) when the games ever known would pass
  // kMaxGames. One thread only may call it; readers on others see the new snapshot at once.
  bool reload(const Catalog& file, std::string* error);

 private:
  struct Snapshot {
    std::vector<Game> games;
  };
  void publish(std::vector<Game> games);

  // Every snapshot published, kept until exit; the last one is current_.
  std::vector<std::unique_ptr<const Snapshot>> snapshots_;
  std::atomic<const Snapshot*> current_;
};

}  // namespace ringside

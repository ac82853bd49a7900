#pragma once
// The game catalog: immutable once loaded, so every thread reads the same copy without
// coordination. From a JSON file (--catalog) or the built-in demo.
#include <cstdint>
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

  static Catalog demo();
  // {"games": [{"slug", "title", "image", "sizeMb", "cpuCores"?, "memoryMb"?, "saveDir"?,
  // "maxSessionSeconds"?}]}
  // with the bounds above and slugs as model/identifiers.h has them.
  static std::optional<Catalog> parse(std::string_view json, std::string* error);
  static std::optional<Catalog> load(const std::string& path, std::string* error);

  const std::vector<Game>& games() const { return games_; }
  // Index of the game with this slug, or -1.
  int find(std::string_view slug) const;

 private:
  std::vector<Game> games_;
};

}  // namespace ringside

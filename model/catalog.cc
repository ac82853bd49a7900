#include "model/catalog.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "model/identifiers.h"

namespace ringside {
namespace {

bool is_text(std::string_view s, size_t max_bytes) {
  return !s.empty() && s.size() <= max_bytes && is_printable_utf8(s);
}

// A slug for an error message: at most 64 bytes, control characters and the rest as '?'.
std::string printable(std::string_view s) {
  std::string out(s.substr(0, kMaxSlugBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7E) c = '?';
  }
  return out;
}

// sizeMb (already read), "cpuCores"? and "memoryMb"? within Catalog's bounds: what placement
// reserves and the container's limits are made of (docs/configuration.md).
bool parse_profile(simdjson::dom::element g, uint64_t size_mb, Game& game, std::string* error) {
  if (size_mb > Catalog::kMaxSizeMb) {
    *error = "game '" + game.slug + "': sizeMb must be an integer from 0 to " +
             std::to_string(Catalog::kMaxSizeMb);
    return false;
  }
  game.size_mb = static_cast<uint32_t>(size_mb);
  if (simdjson::dom::element cpu; g["cpuCores"].get(cpu) == simdjson::SUCCESS) {
    double cores = 0;
    if (cpu.get_double().get(cores) != simdjson::SUCCESS || !(cores > 0) ||
        cores > Catalog::kMaxCpuCores) {
      *error = "game '" + game.slug + "': cpuCores must be a number above 0 and at most " +
               std::to_string(static_cast<int>(Catalog::kMaxCpuCores));
      return false;
    }
    game.cpu_cores = cores;
  }
  if (simdjson::dom::element memory; g["memoryMb"].get(memory) == simdjson::SUCCESS) {
    uint64_t mb = 0;
    if (memory.get_uint64().get(mb) != simdjson::SUCCESS || mb == 0 || mb > Catalog::kMaxMemoryMb) {
      *error = "game '" + game.slug + "': memoryMb must be an integer from 1 to " +
               std::to_string(Catalog::kMaxMemoryMb);
      return false;
    }
    game.memory_mb = static_cast<uint32_t>(mb);
  }
  return true;
}

// A bound of an auto warm pool of game `slug` (warmPoolMin, warmPoolMax): an integer from 0 to
// Catalog::kMaxWarmPool, or absent (`*value` unchanged).
bool parse_pool_bound(simdjson::dom::element g, const char* field, const std::string& slug,
                      uint32_t* value, std::string* error) {
  simdjson::dom::element e;
  if (g[field].get(e) != simdjson::SUCCESS) return true;
  uint64_t n = 0;
  if (e.get_uint64().get(n) != simdjson::SUCCESS || n > Catalog::kMaxWarmPool) {
    *error = "game '" + slug + "': " + field + " must be an integer from 0 to " +
             std::to_string(Catalog::kMaxWarmPool);
    return false;
  }
  *value = static_cast<uint32_t>(n);
  return true;
}

// "warmPool": N | "auto", with "warmPoolMin" / "warmPoolMax" for "auto" only
// (docs/configuration.md).
bool parse_warm_pool(simdjson::dom::element g, Game& game, std::string* error) {
  const bool has_min = g["warmPoolMin"].error() == simdjson::SUCCESS;
  const bool has_max = g["warmPoolMax"].error() == simdjson::SUCCESS;
  simdjson::dom::element pool;
  if (g["warmPool"].get(pool) != simdjson::SUCCESS) {
    if (has_min || has_max) {
      *error =
          "game '" + game.slug + "': warmPoolMin and warmPoolMax go with \"warmPool\": \"auto\"";
      return false;
    }
    return true;
  }
  std::string_view word;
  uint64_t size = 0;
  const bool is_auto = pool.get_string().get(word) == simdjson::SUCCESS && word == "auto";
  if (!is_auto &&
      (pool.get_uint64().get(size) != simdjson::SUCCESS || size > Catalog::kMaxWarmPool)) {
    *error = "game '" + game.slug + "': warmPool must be an integer from 0 to " +
             std::to_string(Catalog::kMaxWarmPool) + " or \"auto\"";
    return false;
  }
  if (is_auto) {
    game.warm_auto = true;
    game.warm_pool_min = 0;
    game.warm_pool_max = Catalog::kDefaultWarmPoolMax;
    if (!parse_pool_bound(g, "warmPoolMin", game.slug, &game.warm_pool_min, error) ||
        !parse_pool_bound(g, "warmPoolMax", game.slug, &game.warm_pool_max, error)) {
      return false;
    }
    if (game.warm_pool_min > game.warm_pool_max) {
      *error = "game '" + game.slug + "': warmPoolMin must not be above warmPoolMax";
      return false;
    }
    return true;
  }
  if (has_min || has_max) {
    *error = "game '" + game.slug + "': warmPoolMin and warmPoolMax go with \"warmPool\": \"auto\"";
    return false;
  }
  game.warm_pool = static_cast<uint32_t>(size);
  return true;
}

}  // namespace

Catalog::Catalog() { publish({}); }

Catalog::Catalog(const Catalog& other) { publish(other.games()); }

Catalog::Catalog(Catalog&& other) noexcept
    : snapshots_(std::move(other.snapshots_)),
      current_(other.current_.load(std::memory_order_relaxed)) {
  other.publish({});
}

Catalog& Catalog::operator=(const Catalog& other) {
  if (this != &other) publish(other.games());
  return *this;
}

Catalog& Catalog::operator=(Catalog&& other) noexcept {
  if (this != &other) {
    snapshots_ = std::move(other.snapshots_);
    current_.store(other.current_.load(std::memory_order_relaxed), std::memory_order_release);
    other.publish({});
  }
  return *this;
}

Catalog::~Catalog() = default;

void Catalog::publish(std::vector<Game> games) {
  snapshots_.push_back(std::make_unique<const Snapshot>(Snapshot{std::move(games)}));
  current_.store(snapshots_.back().get(), std::memory_order_release);
}

bool Catalog::reload(const Catalog& file, std::string* error) {
  std::vector<Game> merged = games();
  for (Game& g : merged) g.removed = true;
  for (const Game& g : file.games()) {
    auto known =
        std::find_if(merged.begin(), merged.end(), [&](const Game& m) { return m.slug == g.slug; });
    if (known != merged.end()) {
      *known = g;
    } else {
      merged.push_back(g);
    }
  }
  if (merged.size() > kMaxGames) {
    *error = "catalog reload would make " + std::to_string(merged.size()) +
             " games known (removed ones keep their place until restart); at most " +
             std::to_string(kMaxGames) + " are allowed";
    return false;
  }
  publish(std::move(merged));
  return true;
}

Catalog Catalog::demo() {
  Catalog c;
  c.publish({
      {"garden-of-forking-paths", "The Garden of Forking Paths",
       "registry.local/games/garden-of-forking-paths:1.0", 2048, 1.0, 1024},
      {"tlon-uqbar", "Tlön, Uqbar, Orbis Tertius", "registry.local/games/tlon-uqbar:1.0", 1024, 0.5,
       512},
      {"library-of-babel", "The Library of Babel", "registry.local/games/library-of-babel:2.3",
       4096, 2.0, 2048},
  });
  return c;
}

std::optional<Catalog> Catalog::parse(std::string_view json, std::string* error) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    *error = "catalog is not valid JSON";
    return std::nullopt;
  }
  simdjson::dom::array games;
  if (root["games"].get_array().get(games) != simdjson::SUCCESS) {
    *error = "catalog needs a \"games\" array";
    return std::nullopt;
  }
  if (games.size() > kMaxGames) {
    *error = "catalog has " + std::to_string(games.size()) + " games; at most " +
             std::to_string(kMaxGames) + " games are allowed";
    return std::nullopt;
  }
  std::vector<Game> parsed;
  for (simdjson::dom::element g : games) {
    Game game;
    std::string_view slug, title, image;
    uint64_t size_mb = 0;
    if (g["slug"].get_string().get(slug) || g["title"].get_string().get(title) ||
        g["image"].get_string().get(image) || g["sizeMb"].get_uint64().get(size_mb)) {
      *error = "each game needs slug, title, image (strings) and sizeMb (integer)";
      return std::nullopt;
    }
    if (!is_valid_slug(slug)) {
      *error = "game slug '" + printable(slug) + "' must be " + std::string(kSlugRule);
      return std::nullopt;
    }
    if (!is_text(title, kMaxTitleBytes) || !is_text(image, kMaxImageBytes)) {
      *error = "game '" + std::string(slug) + "': title and image must be 1 to " +
               std::to_string(kMaxTitleBytes) + " and 1 to " + std::to_string(kMaxImageBytes) +
               " bytes of UTF-8 without control characters";
      return std::nullopt;
    }
    if (std::any_of(parsed.begin(), parsed.end(), [&](const Game& p) { return p.slug == slug; })) {
      *error = "game slug '" + std::string(slug) + "' appears twice";
      return std::nullopt;
    }
    game.slug = slug;
    game.title = title;
    game.image = image;
    if (!parse_profile(g, size_mb, game, error)) return std::nullopt;
    std::string_view save_dir;
    if (g["saveDir"].get_string().get(save_dir) == simdjson::SUCCESS) {
      if (save_dir.size() < 2 || save_dir.front() != '/' || !is_text(save_dir, kMaxSaveDirBytes)) {
        *error = "game '" + game.slug + "': saveDir must be an absolute path of at most " +
                 std::to_string(kMaxSaveDirBytes) + " bytes";
        return std::nullopt;
      }
      game.save_dir = save_dir;
    }
    if (simdjson::dom::element limit; g["maxSessionSeconds"].get(limit) == simdjson::SUCCESS) {
      uint64_t seconds = 0;
      if (limit.get_uint64().get(seconds) != simdjson::SUCCESS || seconds == 0 ||
          seconds > kMaxSessionSecondsLimit) {
        *error = "game '" + game.slug + "': maxSessionSeconds must be an integer from 1 to " +
                 std::to_string(kMaxSessionSecondsLimit);
        return std::nullopt;
      }
      game.max_session_seconds = static_cast<uint32_t>(seconds);
    }
    if (!parse_warm_pool(g, game, error)) return std::nullopt;
    parsed.push_back(std::move(game));
  }
  if (parsed.empty()) {
    *error = "catalog has no games";
    return std::nullopt;
  }
  Catalog c;
  c.publish(std::move(parsed));
  return c;
}

std::optional<Catalog> Catalog::load(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read catalog " + path;
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), error);
}

int Catalog::find(std::string_view slug) const {
  const std::vector<Game>& games = this->games();
  for (size_t i = 0; i < games.size(); ++i) {
    if (games[i].slug == slug && !games[i].removed) return static_cast<int>(i);
  }
  return -1;
}

int Catalog::find_any(std::string_view slug) const {
  const std::vector<Game>& games = this->games();
  for (size_t i = 0; i < games.size(); ++i) {
    if (games[i].slug == slug) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace ringside

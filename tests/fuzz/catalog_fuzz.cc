// Catalog::parse on any bytes, as a --catalog file (or the one a SIGHUP reloads) could hold them.
// Invariants: nothing crashes; a refusal says why in printable text; an accepted catalog keeps
// every game within the bounds model/catalog.h promises (what placement and the warm pools
// compute from them stays in range): valid unique slugs, sizes, a positive CPU and memory
// profile, a warm pool either fixed (at most 256) or auto with its min not above its max; and
// reloading it onto the demo catalog keeps its games, in its order, after the demo's (removed).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "model/catalog.h"
#include "model/identifiers.h"

namespace {

void check(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ringside::Catalog;
  using ringside::Game;
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  std::string error;
  std::optional<Catalog> catalog = Catalog::parse(json, &error);
  if (!catalog) {
    check(!error.empty() && ringside::is_printable_utf8(error));
    return 0;
  }
  const auto& games = catalog->games();
  check(!games.empty() && games.size() <= Catalog::kMaxGames);
  for (size_t i = 0; i < games.size(); ++i) {
    const Game& g = games[i];
    check(ringside::is_valid_slug(g.slug) && !g.removed);
    check(catalog->find(g.slug) == static_cast<int>(i));
    check(!g.title.empty() && g.title.size() <= Catalog::kMaxTitleBytes);
    check(!g.image.empty() && g.image.size() <= Catalog::kMaxImageBytes);
    check(g.save_dir.size() >= 2 && g.save_dir.front() == '/' &&
          g.save_dir.size() <= Catalog::kMaxSaveDirBytes);
    check(g.size_mb <= Catalog::kMaxSizeMb);
    check(std::isfinite(g.cpu_cores) && g.cpu_cores > 0 && g.cpu_cores <= Catalog::kMaxCpuCores);
    check(g.memory_mb > 0 && g.memory_mb <= Catalog::kMaxMemoryMb);
    check(g.max_session_seconds <= Catalog::kMaxSessionSecondsLimit);
    if (g.warm_auto) {
      check(g.warm_pool == 0 && g.warm_pool_min <= g.warm_pool_max &&
            g.warm_pool_max <= Catalog::kMaxWarmPool);
    } else {
      check(g.warm_pool <= Catalog::kMaxWarmPool && g.warm_pool_min == 0 && g.warm_pool_max == 0);
    }
  }

  Catalog running = Catalog::demo();
  const size_t demo_games = running.games().size();
  std::string reload_error;
  check(running.reload(*catalog, &reload_error));
  for (const Game& g : games) {
    const int at = running.find(g.slug);
    check(at >= 0 && running.games()[at].image == g.image &&
          running.games()[at].warm_pool == g.warm_pool);
  }
  check(running.games().size() >= games.size() &&
        running.games().size() <= demo_games + games.size());
  return 0;
}

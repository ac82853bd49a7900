#include "api/warm_metrics_text.h"

#include <charconv>
#include <cstdint>
#include <string_view>
#include <utility>

#include "model/session_types.h"

namespace ringside {
namespace {

void put_count(ByteBuffer& out, uint64_t v) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, v);
  out.append(num, static_cast<size_t>(r.ptr - num));
}

bool has_pool(const Game& g) { return !g.removed && (g.warm_pool > 0 || g.warm_auto); }

}  // namespace

void render_warm_metrics(const std::vector<Game>& games, const std::vector<GameServerInfo>& servers,
                         const PlacementMetrics& pm, ByteBuffer& out) {
  out.append(
      "# HELP ringside_warm_containers Warm containers ready to be taken by a launch, by game "
      "and server (games with a warm pool).\n"
      "# TYPE ringside_warm_containers gauge\n");
  for (size_t g = 0; g < games.size(); ++g) {
    if (!has_pool(games[g])) continue;
    for (size_t s = 0; s < servers.size(); ++s) {
      out.append("ringside_warm_containers{game=\"");
      out.append(games[g].slug);
      out.append("\",server=\"");
      out.append(servers[s].name);
      out.append("\"} ");
      put_count(out, pm.warm_ready(static_cast<uint32_t>(g), static_cast<uint32_t>(s)).get());
      out.append("\n");
    }
  }
  out.append(
      "# HELP ringside_launch_starts_total Launches that became running, by how their container "
      "was got: warm (taken from a warm pool), cached (created; the image was on the server), "
      "pulled (created after pulling the image).\n"
      "# TYPE ringside_launch_starts_total counter\n");
  const std::pair<StartKind, const Counter*> kinds[] = {{StartKind::kWarm, &pm.started_warm},
                                                        {StartKind::kCached, &pm.started_cached},
                                                        {StartKind::kPulled, &pm.started_pulled}};
  for (const auto& [kind, counter] : kinds) {
    out.append("ringside_launch_starts_total{kind=\"");
    out.append(start_kind_name(kind));
    out.append("\"} ");
    put_count(out, counter->get());
    out.append("\n");
  }
}

}  // namespace ringside

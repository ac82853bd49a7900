// /metrics shows the warm pools as an operator reads them (docs/warm-pools.md, "Visibility"):
// ready warm containers by game and server for the games with a pool, and launches by how
// their container was got.
#include "api/warm_metrics_text.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "api/metrics_text.h"
#include "app/process.h"

namespace ringside {
namespace {

std::vector<GameServerInfo> two_servers() {
  std::vector<GameServerInfo> fleet(2);
  fleet[0].name = "gs01";
  fleet[1].name = "gs02";
  return fleet;
}

Game game(std::string slug, uint32_t pool, bool automatic = false, bool removed = false) {
  Game g;
  g.slug = std::move(slug);
  g.warm_pool = pool;
  g.warm_auto = automatic;
  g.removed = removed;
  return g;
}

// The lines of `text` that are samples of `metric` (no HELP/TYPE).
std::vector<std::string> samples(std::string_view text, std::string_view metric) {
  std::vector<std::string> lines;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(std::string(metric) + "{") || line.starts_with(std::string(metric) + " "))
      lines.push_back(line);
  }
  return lines;
}

TEST(WarmMetricsText, EveryGameWithAPoolOnEveryServerAndTheStartsByKind) {
  const std::vector<Game> games = {game("fixed", 2), game("none", 0), game("auto", 0, true),
                                   game("gone", 3, false, true)};
  PlacementMetrics pm(2);
  pm.warm_ready(0, 1).set(2);
  pm.warm_ready(2, 0).set(1);
  pm.warm_ready(1, 0).set(5);  // a game without a pool: never printed
  pm.started_warm.add(3);
  pm.started_pulled.add(1);
  ByteBuffer out;
  render_warm_metrics(games, two_servers(), pm, out);
  const std::string_view text(out.data(), out.size());

  EXPECT_NE(text.find("# TYPE ringside_warm_containers gauge\n"), std::string_view::npos);
  EXPECT_EQ(
      samples(text, "ringside_warm_containers"),
      (std::vector<std::string>{"ringside_warm_containers{game=\"fixed\",server=\"gs01\"} 0",
                                "ringside_warm_containers{game=\"fixed\",server=\"gs02\"} 2",
                                "ringside_warm_containers{game=\"auto\",server=\"gs01\"} 1",
                                "ringside_warm_containers{game=\"auto\",server=\"gs02\"} 0"}));
  EXPECT_NE(text.find("# TYPE ringside_launch_starts_total counter\n"), std::string_view::npos);
  EXPECT_EQ(samples(text, "ringside_launch_starts_total"),
            (std::vector<std::string>{"ringside_launch_starts_total{kind=\"warm\"} 3",
                                      "ringside_launch_starts_total{kind=\"cached\"} 0",
                                      "ringside_launch_starts_total{kind=\"pulled\"} 1"}));
}

// The whole /metrics of a process carries them, as the I/O core publishes them.
TEST(WarmMetricsText, MetricsPrintsThemFromWhatTheIoCorePublishes) {
  Config config;
  config.shards = 1;
  Process process(config, Catalog::demo(), two_servers(), TokenMinter::random_secret());
  IoHandOff io = process.io();
  io.placement_metrics.started_cached.add(4);
  ByteBuffer out;
  render_metrics(process.runtime(), out);
  const std::string_view text(out.data(), out.size());
  EXPECT_NE(text.find("# TYPE ringside_warm_containers gauge\n"), std::string_view::npos);
  EXPECT_EQ(samples(text, "ringside_launch_starts_total"),
            (std::vector<std::string>{"ringside_launch_starts_total{kind=\"warm\"} 0",
                                      "ringside_launch_starts_total{kind=\"cached\"} 4",
                                      "ringside_launch_starts_total{kind=\"pulled\"} 0"}));
}

}  // namespace
}  // namespace ringside

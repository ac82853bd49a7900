// SIGHUP's catalog reload (Catalog::reload): indices never move, new games are appended,
// removed ones are hidden from find() but still named by their index and found by find_any().
#include <gtest/gtest.h>

#include <string>

#include "model/catalog.h"

namespace ringside {
namespace {

Catalog parsed(const std::string& json) {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(json, &error);
  EXPECT_TRUE(c) << error;
  return c ? std::move(*c) : Catalog();
}

std::string game(const std::string& slug, const std::string& title, const std::string& image) {
  return R"({"slug": ")" + slug + R"(", "title": ")" + title + R"(", "image": ")" + image +
         R"(", "sizeMb": 10})";
}

TEST(CatalogReload, ChangesInPlaceAppendsNewAndMarksRemoved) {
  Catalog live = parsed(R"({"games": [)" + game("alpha", "Alpha", "r/alpha:1") + "," +
                        game("beta", "Beta", "r/beta:1") + "]}");
  const Game* before = &live.games()[0];
  std::string error;
  ASSERT_TRUE(live.reload(parsed(R"({"games": [)" + game("gamma", "Gamma", "r/gamma:1") + "," +
                                 game("alpha", "Alpha II", "r/alpha:2") + "]}"),
                          &error))
      << error;

  ASSERT_EQ(live.games().size(), 3u);
  EXPECT_EQ(live.find("alpha"), 0);  // changed in place, not moved to the file's order
  EXPECT_EQ(live.games()[0].title, "Alpha II");
  EXPECT_EQ(live.games()[0].image, "r/alpha:2");
  EXPECT_EQ(live.find("beta"), -1);  // removed: not found for launches or the listing
  EXPECT_TRUE(live.games()[1].removed);
  EXPECT_EQ(live.games()[1].slug, "beta");  // a running session's index still names it
  // What names a game that already ran (stored rows, the operator's filter) still finds it.
  EXPECT_EQ(live.find_any("beta"), 1);
  EXPECT_EQ(live.find_any("alpha"), 0);
  EXPECT_EQ(live.find_any("gamma"), 2);
  EXPECT_EQ(live.find_any("delta"), -1);  // never known
  EXPECT_EQ(live.find("gamma"), 2);       // appended
  EXPECT_FALSE(live.games()[2].removed);
  // The old snapshot is kept: a reader that held it still reads what it read.
  EXPECT_EQ(before->title, "Alpha");
}

TEST(CatalogReload, ARemovedGameComesBackInItsPlace) {
  Catalog live = parsed(R"({"games": [)" + game("alpha", "Alpha", "r/a:1") + "," +
                        game("beta", "Beta", "r/b:1") + "]}");
  std::string error;
  ASSERT_TRUE(
      live.reload(parsed(R"({"games": [)" + game("alpha", "Alpha", "r/a:1") + "]}"), &error));
  ASSERT_TRUE(live.reload(parsed(R"({"games": [)" + game("beta", "Beta 2", "r/b:2") + "," +
                                 game("alpha", "Alpha", "r/a:1") + "]}"),
                          &error));
  ASSERT_EQ(live.games().size(), 2u);
  EXPECT_EQ(live.find("beta"), 1);
  EXPECT_EQ(live.games()[1].title, "Beta 2");
}

TEST(CatalogReload, RefusedWhenTheGamesEverKnownPassTheBound) {
  std::string games;
  for (size_t i = 0; i < Catalog::kMaxGames; ++i) {
    if (i > 0) games.push_back(',');
    std::string slug = "g";
    slug += std::to_string(i);
    games.append(game(slug, "G", "r/g:1"));
  }
  Catalog live = parsed(R"({"games": [)" + games + "]}");
  std::string error;
  EXPECT_FALSE(
      live.reload(parsed(R"({"games": [)" + game("newcomer", "N", "r/n:1") + "]}"), &error));
  EXPECT_NE(error.find("at most 1000"), std::string::npos) << error;
  EXPECT_EQ(live.games().size(), Catalog::kMaxGames);  // the old one stays
  EXPECT_EQ(live.find("g0"), 0);
  EXPECT_EQ(live.find("newcomer"), -1);
}

}  // namespace
}  // namespace ringside

// A game's maxSessionSeconds in the catalog (SPEC "Time limits and the queue"): an integer from
// 1 to a week, else the catalog is refused with an error naming the game and the bounds.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "model/catalog.h"

namespace ringside {
namespace {

std::string catalog_with_limit(const std::string& limit) {
  return R"({"games": [{"slug": "short-game", "title": "Short", "image": "short:1", "sizeMb": 1,
                        "maxSessionSeconds": )" +
         limit + "}]}";
}

TEST(CatalogLimitTest, AcceptsAnIntegerFromOneSecondToAWeek) {
  for (const auto& [text, seconds] : {std::pair{"1", 1u}, {"90", 90u}, {"604800", 604800u}}) {
    std::string error;
    std::optional<Catalog> c = Catalog::parse(catalog_with_limit(text), &error);
    ASSERT_TRUE(c) << text << ": " << error;
    EXPECT_EQ(c->games()[0].max_session_seconds, seconds) << text;
  }
}

TEST(CatalogLimitTest, WithoutTheKeyTheGameHasNoLimitOfItsOwn) {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(
      R"({"games": [{"slug": "plain", "title": "Plain", "image": "plain:1", "sizeMb": 1}]})",
      &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].max_session_seconds, 0u);
}

TEST(CatalogLimitTest, RefusesZeroNegativeTooLargeAndNonIntegersNamingTheGame) {
  for (const char* bad : {"0", "-5", "604801", "1e12", "2.5", "\"60\"", "null", "true"}) {
    std::string error;
    EXPECT_FALSE(Catalog::parse(catalog_with_limit(bad), &error)) << bad;
    EXPECT_NE(error.find("short-game"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("maxSessionSeconds must be an integer from 1 to 604800"),
              std::string::npos)
        << bad << ": " << error;
  }
}

}  // namespace
}  // namespace ringside

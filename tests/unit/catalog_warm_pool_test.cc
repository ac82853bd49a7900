// A game's warm pool in the catalog (docs/configuration.md, docs/warm-pools.md): "warmPool" an
// integer from 0 to 256 or "auto", "warmPoolMin"/"warmPoolMax" with "auto" only; anything else
// refuses the catalog with an error naming the game.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "model/catalog.h"

namespace ringside {
namespace {

std::optional<Catalog> with_fields(const std::string& fields, std::string* error) {
  return Catalog::parse(R"({"games": [{"slug": "warm-game", "title": "Warm", "image": "warm:1",
                                       "sizeMb": 1)" +
                            fields + "}]}",
                        error);
}

TEST(CatalogWarmPoolTest, AFixedSizeFromZeroTo256) {
  for (const auto& [text, size] : {std::pair{"0", 0u}, {"3", 3u}, {"256", 256u}}) {
    std::string error;
    std::optional<Catalog> c = with_fields(std::string(R"(, "warmPool": )") + text, &error);
    ASSERT_TRUE(c) << text << ": " << error;
    EXPECT_EQ(c->games()[0].warm_pool, size);
    EXPECT_FALSE(c->games()[0].warm_auto);
  }
}

TEST(CatalogWarmPoolTest, AbsentMeansNoPool) {
  std::string error;
  std::optional<Catalog> c = with_fields("", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].warm_pool, 0u);
  EXPECT_FALSE(c->games()[0].warm_auto);
}

TEST(CatalogWarmPoolTest, AutoTakesItsBoundsOrTheDefaults) {
  std::string error;
  std::optional<Catalog> c = with_fields(R"(, "warmPool": "auto")", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->games()[0].warm_auto);
  EXPECT_EQ(c->games()[0].warm_pool_min, 0u);
  EXPECT_EQ(c->games()[0].warm_pool_max, 16u);

  c = with_fields(R"(, "warmPool": "auto", "warmPoolMin": 2, "warmPoolMax": 40)", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].warm_pool_min, 2u);
  EXPECT_EQ(c->games()[0].warm_pool_max, 40u);
}

TEST(CatalogWarmPoolTest, RefusesBadValuesNamingTheGameAndTheRule) {
  const std::pair<const char*, const char*> cases[] = {
      {R"(, "warmPool": -1)", "warmPool must be an integer from 0 to 256 or \"auto\""},
      {R"(, "warmPool": 257)", "warmPool must be an integer from 0 to 256 or \"auto\""},
      {R"(, "warmPool": 2.5)", "warmPool must be an integer from 0 to 256 or \"auto\""},
      {R"(, "warmPool": "many")", "warmPool must be an integer from 0 to 256 or \"auto\""},
      {R"(, "warmPool": "auto", "warmPoolMax": 300)",
       "warmPoolMax must be an integer from 0 to 256"},
      {R"(, "warmPool": "auto", "warmPoolMin": "1")",
       "warmPoolMin must be an integer from 0 to 256"},
      {R"(, "warmPool": "auto", "warmPoolMin": 5, "warmPoolMax": 4)",
       "warmPoolMin must not be above warmPoolMax"},
      {R"(, "warmPool": 3, "warmPoolMax": 4)", "go with \"warmPool\": \"auto\""},
      {R"(, "warmPoolMin": 1)", "go with \"warmPool\": \"auto\""},
  };
  for (const auto& [fields, message] : cases) {
    std::string error;
    EXPECT_FALSE(with_fields(fields, &error)) << fields;
    EXPECT_NE(error.find("game 'warm-game'"), std::string::npos) << error;
    EXPECT_NE(error.find(message), std::string::npos) << fields << " -> " << error;
  }
}

}  // namespace
}  // namespace ringside

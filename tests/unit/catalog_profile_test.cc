// A game's resource profile in the catalog (docs/configuration.md): sizeMb, cpuCores and
// memoryMb within bounds that keep every reservation and container limit made of them in range,
// else the catalog is refused naming the game, the field and the bounds — never a value cut
// down to something else or silently replaced by the default.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "model/catalog.h"

namespace ringside {
namespace {

std::string catalog_with(const std::string& fields) {
  return R"({"games": [{"slug": "big-game", "title": "Big", "image": "big:1", )" + fields + "}]}";
}

TEST(CatalogProfileTest, KeepsTheValuesWithinTheBounds) {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(
      catalog_with(R"("sizeMb": 16777216, "cpuCores": 1024, "memoryMb": 16777216)"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].size_mb, 16777216u);
  EXPECT_EQ(c->games()[0].cpu_cores, 1024.0);
  EXPECT_EQ(c->games()[0].memory_mb, 16777216u);

  c = Catalog::parse(catalog_with(R"("sizeMb": 0, "cpuCores": 0.25, "memoryMb": 1)"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].cpu_cores, 0.25);
  EXPECT_EQ(c->games()[0].memory_mb, 1u);
}

TEST(CatalogProfileTest, WithoutCpuAndMemoryTheDefaultsApply) {
  std::string error;
  std::optional<Catalog> c = Catalog::parse(catalog_with(R"("sizeMb": 1)"), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->games()[0].cpu_cores, 1.0);
  EXPECT_EQ(c->games()[0].memory_mb, 1024u);
}

void expect_refused(const std::string& fields, const std::string& message) {
  std::string error;
  EXPECT_FALSE(Catalog::parse(catalog_with(fields), &error)) << fields;
  EXPECT_EQ(error, "game 'big-game': " + message) << fields;
}

TEST(CatalogProfileTest, RefusesASizeTooLargeToHold) {
  // 2^32 MB would have been cut to 0.
  for (const char* size : {"16777217", "4294967296"}) {
    expect_refused(std::string(R"("sizeMb": )") + size,
                   "sizeMb must be an integer from 0 to 16777216");
  }
}

TEST(CatalogProfileTest, RefusesCpuCoresThatAreNotAPositiveNumberUpToTheBound) {
  // 1e300 cores made a millicore limit past uint32_t; 0 and -1 used to mean "the default".
  for (const char* cpu : {"0", "-1", "1024.5", "1e300", "\"2\"", "null", "true"}) {
    expect_refused(std::string(R"("sizeMb": 1, "cpuCores": )") + cpu,
                   "cpuCores must be a number above 0 and at most 1024");
  }
}

TEST(CatalogProfileTest, RefusesMemoryThatIsNotAnIntegerFromOneToTheBound) {
  // 4294967296 MB would have been cut to 0.
  for (const char* memory : {"0", "-512", "2.5", "16777217", "4294967296", "\"512\"", "null"}) {
    expect_refused(std::string(R"("sizeMb": 1, "memoryMb": )") + memory,
                   "memoryMb must be an integer from 1 to 16777216");
  }
}

}  // namespace
}  // namespace ringside

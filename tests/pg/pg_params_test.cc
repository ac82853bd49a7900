#include "store/pg/pg_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace ringside {
namespace {

std::string value(const PgParams& p, int i) { return p.values()[i]; }

TEST(PgParams, WritesPostgresTextFormat) {
  const unsigned char bytes[] = {0x00, 0xab, 0x7f};
  PgParams p;
  p.add("plain")
      .add(std::numeric_limits<int64_t>::min())
      .add(0.1)
      .add(std::nan(""))
      .add(-HUGE_VAL)
      .add(true)
      .add(false)
      .add_bytea(bytes, sizeof bytes)
      .add(std::string_view("cut\0here", 8));
  ASSERT_EQ(p.size(), 9);
  EXPECT_EQ(value(p, 0), "plain");
  EXPECT_EQ(value(p, 1), "-9223372036854775808");
  EXPECT_EQ(value(p, 2), "0.1");  // shortest text that reads back as the same double
  EXPECT_EQ(value(p, 3), "NaN");
  EXPECT_EQ(value(p, 4), "-Infinity");
  EXPECT_EQ(value(p, 5), "t");
  EXPECT_EQ(value(p, 6), "f");
  EXPECT_EQ(value(p, 7), "\\x00ab7f");
  EXPECT_EQ(value(p, 8), "cut");
}

TEST(PgParams, NullIsANullPointer) {
  PgParams p;
  p.add_null().add("");
  EXPECT_EQ(p.values()[0], nullptr);
  ASSERT_NE(p.values()[1], nullptr);
  EXPECT_EQ(value(p, 1), "");
}

TEST(PgParams, ClearStartsOver) {
  PgParams p;
  p.add(1).add(2);
  p.clear();
  p.add(3);
  ASSERT_EQ(p.size(), 1);
  EXPECT_EQ(value(p, 0), "3");
}

TEST(PgParams, ValuesSurviveTheBufferGrowing) {
  PgParams p;
  for (int i = 0; i < 1000; ++i) p.add("value " + std::to_string(i));
  const char* const* values = p.values();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(std::string(values[i]), "value " + std::to_string(i));
}

}  // namespace
}  // namespace ringside

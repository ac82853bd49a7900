#include "model/rate.h"

#include <gtest/gtest.h>

namespace ringside {
namespace {

TEST(ParseRate, AcceptsSecondsMinutesAndHours) {
  EXPECT_DOUBLE_EQ(parse_rate("5000/s")->per_second, 5000);
  EXPECT_DOUBLE_EQ(parse_rate("3/min")->per_second, 0.05);
  EXPECT_DOUBLE_EQ(parse_rate("7200/h")->per_second, 2);
}

TEST(ParseRate, AcceptsDecimals) {
  EXPECT_DOUBLE_EQ(parse_rate("0.5/s")->per_second, 0.5);
  EXPECT_DOUBLE_EQ(parse_rate("1.5/min")->per_second, 0.025);
  EXPECT_DOUBLE_EQ(parse_rate("007/s")->per_second, 7);
}

TEST(ParseRate, RejectsAnythingElse) {
  for (const char* text :
       {"",     "3",       "/s",    "3/",    "3/m",     "3/sec", "3/S",  "3/s/s", "3/ s",
        " 3/s", "3/s ",    "3 /s",  "0/s",   "0.0/min", "-1/s",  "+1/s", "1e3/s", ".5/s",
        "5./s", "1.2.3/s", "inf/s", "nan/s", "0x10/s",  "1,5/s", "3min"}) {
    EXPECT_FALSE(parse_rate(text).has_value()) << '"' << text << '"';
  }
}

TEST(ParseRate, RejectsNumbersTooLargeForADouble) {
  EXPECT_FALSE(parse_rate(std::string(400, '9') + "/s").has_value());
}

}  // namespace
}  // namespace ringside

// If-None-Match against one entity tag (http/etag.h): RFC 9110 §13.1.2's list and weak
// comparison.
#include "http/etag.h"

#include <gtest/gtest.h>

namespace ringside {
namespace {

constexpr std::string_view kTag = "\"1a3f103c4f6a6940\"";

TEST(Etag, MatchesTheTagAloneWeakInAListOrStar) {
  EXPECT_TRUE(etag_listed("\"1a3f103c4f6a6940\"", kTag));
  EXPECT_TRUE(etag_listed("W/\"1a3f103c4f6a6940\"", kTag));
  EXPECT_TRUE(etag_listed("\"x\", \"1a3f103c4f6a6940\"", kTag));
  EXPECT_TRUE(etag_listed("\"x\",W/\"1a3f103c4f6a6940\" ,\"y\"", kTag));
  EXPECT_TRUE(etag_listed("*", kTag));
  EXPECT_TRUE(etag_listed(" * ", kTag));
}

TEST(Etag, AnythingElseDoesNotMatch) {
  EXPECT_FALSE(etag_listed("", kTag));
  EXPECT_FALSE(etag_listed("1a3f103c4f6a6940", kTag));  // unquoted
  EXPECT_FALSE(etag_listed("\"1a3f103c4f6a694\"", kTag));
  EXPECT_FALSE(etag_listed("\"x\", \"y\"", kTag));
  EXPECT_FALSE(etag_listed(",,", kTag));
  EXPECT_FALSE(etag_listed("\"*\"", kTag));
}

}  // namespace
}  // namespace ringside

#include "http/query.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside {
namespace {

constexpr std::string_view kQuery = "a=1&sessionId=s01abc&x&empty=&gameSlug=chess";

TEST(FindQueryParam, FindsValuesAsViewsIntoTheQuery) {
  ByteBuffer scratch;
  const auto v = find_query_param(kQuery, "sessionId", scratch);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->value, "s01abc");
  EXPECT_EQ(v->value.data(), kQuery.data() + kQuery.find("s01abc"));
  EXPECT_TRUE(scratch.empty());
  EXPECT_EQ(find_query_param(kQuery, "a", scratch)->value, "1");
  EXPECT_EQ(find_query_param(kQuery, "gameSlug", scratch)->value, "chess");
}

TEST(FindQueryParam, AbsentNameIsNullopt) {
  ByteBuffer scratch;
  EXPECT_FALSE(find_query_param(kQuery, "limit", scratch).has_value());
  EXPECT_FALSE(find_query_param(kQuery, "session", scratch).has_value());     // a prefix
  EXPECT_FALSE(find_query_param(kQuery, "sessionIdX", scratch).has_value());  // longer
  EXPECT_FALSE(find_query_param(kQuery, "SESSIONID", scratch).has_value());   // case
  EXPECT_FALSE(find_query_param(kQuery, "s01abc", scratch).has_value());      // a value
  EXPECT_FALSE(find_query_param("", "a", scratch).has_value());
  EXPECT_FALSE(find_query_param("&&", "", scratch).has_value());
}

TEST(FindQueryParam, NameWithoutValueOrEmptyValue) {
  ByteBuffer scratch;
  const auto x = find_query_param(kQuery, "x", scratch);
  ASSERT_TRUE(x.has_value());
  EXPECT_TRUE(x->ok);
  EXPECT_EQ(x->value, "");
  const auto empty = find_query_param(kQuery, "empty", scratch);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->value, "");
}

TEST(FindQueryParam, FirstOccurrenceWins) {
  ByteBuffer scratch;
  EXPECT_EQ(find_query_param("limit=5&limit=7", "limit", scratch)->value, "5");
}

TEST(FindQueryParam, ValueMayContainEquals) {
  ByteBuffer scratch;
  EXPECT_EQ(find_query_param("t=a=b&c=d", "t", scratch)->value, "a=b");
}

TEST(FindQueryParam, DecodesPercentEscapesAndPlusIntoScratch) {
  ByteBuffer scratch;
  scratch.append("kept");
  const auto v = find_query_param("u=https%3A%2F%2Fexample.com%2Fa%20b+c%7e%7E&z=1", "u", scratch);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->value, "https://example.com/a b c~~");
  // Appended after what scratch held, and the view points there.
  EXPECT_EQ(scratch.view(), "kepthttps://example.com/a b c~~");
  EXPECT_EQ(v->value.data(), scratch.data() + 4);
}

TEST(FindQueryParam, DecodesNonAsciiBytes) {
  ByteBuffer scratch;
  EXPECT_EQ(find_query_param("g=caf%C3%A9", "g", scratch)->value, "caf\xC3\xA9");
}

TEST(FindQueryParam, NamesAreNotDecoded) {
  ByteBuffer scratch;
  EXPECT_FALSE(find_query_param("session%49d=s1", "sessionId", scratch).has_value());
  EXPECT_EQ(find_query_param("session%49d=s1", "session%49d", scratch)->value, "s1");
}

TEST(FindQueryParam, MalformedEscapesAreReportedNotDecoded) {
  for (const char* query :
       {"v=%", "v=%4", "v=abc%", "v=%G1", "v=%1G", "v=a%%20", "v=%4&w=1", "v=+%zz"}) {
    ByteBuffer scratch;
    scratch.append("kept");
    const auto v = find_query_param(query, "v", scratch);
    ASSERT_TRUE(v.has_value()) << query;
    EXPECT_FALSE(v->ok) << query;
    EXPECT_EQ(v->value, "") << query;
    EXPECT_EQ(scratch.view(), "kept") << query;
  }
}

TEST(FindQueryParam, MalformedEscapeInAnotherParamDoesNotMatter) {
  ByteBuffer scratch;
  const auto v = find_query_param("bad=%zz&ok=1", "ok", scratch);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->value, "1");
}

std::string url_encoded(std::string_view s) {
  ByteBuffer out;
  append_url_encoded(out, s);
  return std::string(out.view());
}

TEST(AppendUrlEncoded, KeepsUnreservedCharacters) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  EXPECT_EQ(url_encoded(unreserved), unreserved);
  EXPECT_EQ(url_encoded(""), "");
}

TEST(AppendUrlEncoded, EncodesEverythingElseAsUppercaseHex) {
  EXPECT_EQ(url_encoded("https://lobby.example/play?x=1&y=a b+c#top"),
            "https%3A%2F%2Flobby.example%2Fplay%3Fx%3D1%26y%3Da%20b%2Bc%23top");
  EXPECT_EQ(url_encoded("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(url_encoded(std::string_view("\0\x7f\xff", 3)), "%00%7F%FF");
  EXPECT_EQ(url_encoded("%"), "%25");
}

TEST(AppendUrlEncoded, AppendsToExistingContent) {
  ByteBuffer out;
  out.append("https://play.example/chess?sessionToken=");
  append_url_encoded(out, "t/1+2");
  EXPECT_EQ(out.view(), "https://play.example/chess?sessionToken=t%2F1%2B2");
}

TEST(AppendUrlEncoded, EveryByteRoundTripsThroughFindQueryParam) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  ByteBuffer query;
  query.append("first=1&v=");
  append_url_encoded(query, all_bytes);
  query.append("&last=2");
  ByteBuffer scratch;
  const auto v = find_query_param(query.view(), "v", scratch);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->value, all_bytes);
}

}  // namespace
}  // namespace ringside

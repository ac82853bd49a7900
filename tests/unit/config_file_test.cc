#include "app/config_file.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ringside {
namespace {

using namespace std::string_literals;

// The entries of `text` as "key=value" strings; the error instead when it is refused.
std::vector<std::string> read(std::string_view text) {
  std::vector<ConfigEntry> entries;
  std::string err = read_config_text(text, "c.conf", &entries);
  if (!err.empty()) return {"error: " + err};
  std::vector<std::string> out;
  for (const ConfigEntry& e : entries) out.push_back(e.key + "=" + e.value);
  return out;
}

using V = std::vector<std::string>;

TEST(ConfigFile, KeysAndValuesWithBlanksAroundThem) {
  EXPECT_EQ(read("listen = 127.0.0.1:8080\nshards=2\n\t log-level\t=\tdebug \r\n"),
            (V{"listen=127.0.0.1:8080", "shards=2", "log-level=debug"}));
  EXPECT_EQ(read("a = b = c"), (V{"a=b = c"}));
  EXPECT_EQ(read(""), V{});
  EXPECT_EQ(read("last = line without newline"), (V{"last=line without newline"}));
}

TEST(ConfigFile, AHashStartsACommentOnlyAtTheStartOfALineOrAfterABlank) {
  EXPECT_EQ(read("# a comment\n   # indented\noperator-key = s3cret#tail\n"),
            (V{"operator-key=s3cret#tail"}));
  EXPECT_EQ(read("operator-key = s3cret#tail # the key\n"), (V{"operator-key=s3cret#tail"}));
  EXPECT_EQ(read("k = a\t#tab then comment\n"), (V{"k=a"}));
  EXPECT_EQ(read("k=#value\n"), (V{"k=#value"}));
  EXPECT_EQ(read("k = # nothing but a comment\n"), (V{"k="}));
}

TEST(ConfigFile, QuotedValuesHoldAnythingWithTwoEscapes) {
  EXPECT_EQ(read(R"(database-url = "postgres://u:p #w@db/x"  # quoted)"),
            (V{"database-url=postgres://u:p #w@db/x"}));
  EXPECT_EQ(read(R"(k = "a \"q\" \\ b")"), (V{R"(k=a "q" \ b)"}));
  EXPECT_EQ(read(R"(k = "  padded  ")"), (V{"k=  padded  "}));
  EXPECT_EQ(read(R"(k = "")"), (V{"k="}));
  EXPECT_EQ(read("k = \"tab\there\""), (V{"k=tab\there"}));
  // Quotes inside an unquoted value are its own characters.
  EXPECT_EQ(read(R"(k = a"b")"), (V{R"(k=a"b")"}));
}

TEST(ConfigFile, ErrorsNameTheLineAndNotTheValue) {
  EXPECT_EQ(read("shards = 1\noperator-key = \"s3cret\n"),
            (V{"error: c.conf:2: unterminated quote (a quoted value ends on its own line)"}));
  EXPECT_EQ(read("k = \"s3cret\\\"\n"),
            (V{"error: c.conf:1: unterminated quote (a quoted value ends on its own line)"}));
  EXPECT_EQ(read("k = \"s3cret\" tail\n"), (V{"error: c.conf:1: text after the closing quote"}));
  EXPECT_EQ(read("k = \"s3cret\"#tail\n"), (V{"error: c.conf:1: text after the closing quote"}));
  EXPECT_EQ(read("k = \"s3\\cret\"\n"),
            (V{R"(error: c.conf:1: unknown escape in a quoted value (only \" and \\))"}));
  EXPECT_EQ(read("\n\njust words\n"), (V{"error: c.conf:3: expected `key = value`"}));
  EXPECT_EQ(read(" = value\n"), (V{"error: c.conf:1: expected `key = value`"}));
  EXPECT_EQ(read("k = s3\0cret\n"s), (V{"error: c.conf:1: control character"}));
  EXPECT_EQ(read("k = \"s3\x1b"
                 "cret\"\n"s),
            (V{"error: c.conf:1: control character"}));
}

}  // namespace
}  // namespace ringside

#include "api/body_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace ringside {
namespace {

using Type = BodyField::Type;
constexpr std::string_view kOk;  // what parse() returns on success

// The fields of a launch body: two strings and a flag.
struct LaunchFields {
  BodyField f[3] = {{"gameSlug"}, {"saveSlotId"}, {"fresh", Type::kBool}};
  BodyField& slug() { return f[0]; }
  BodyField& slot() { return f[1]; }
  BodyField& fresh() { return f[2]; }
};

class BodyFieldsTest : public ::testing::Test {
 protected:
  std::string_view parse(std::string_view body) { return parser_.parse(body, fields_.f); }

  BodyParser parser_;
  LaunchFields fields_;
};

TEST_F(BodyFieldsTest, ReadsStringAndBoolFields) {
  ASSERT_EQ(parse(R"({"gameSlug": "doom", "saveSlotId": "v0a", "fresh": true})"), kOk);
  EXPECT_TRUE(fields_.slug().present);
  EXPECT_EQ(fields_.slug().text, "doom");
  EXPECT_TRUE(fields_.slot().present);
  EXPECT_EQ(fields_.slot().text, "v0a");
  EXPECT_TRUE(fields_.fresh().present);
  EXPECT_TRUE(fields_.fresh().flag);

  ASSERT_EQ(parse(R"({"fresh":false})"), kOk);
  EXPECT_TRUE(fields_.fresh().present);
  EXPECT_FALSE(fields_.fresh().flag);
}

TEST_F(BodyFieldsTest, FieldOrderDoesNotMatter) {
  ASSERT_EQ(parse(R"({"fresh":true,"saveSlotId":"s","gameSlug":"g"})"), kOk);
  EXPECT_EQ(fields_.slug().text, "g");
  EXPECT_EQ(fields_.slot().text, "s");
  EXPECT_TRUE(fields_.fresh().flag);
}

TEST_F(BodyFieldsTest, IgnoresUnknownFieldsOfAnyType) {
  ASSERT_EQ(parse(R"({"extra": {"nested": [1, 2.5, null, "x"]}, "gameSlug": "doom",)"
                  R"( "n": -3e7, "z": null, "list": [], "flag": false})"),
            kOk);
  EXPECT_EQ(fields_.slug().text, "doom");
  EXPECT_FALSE(fields_.slot().present);
  EXPECT_FALSE(fields_.fresh().present);
}

TEST_F(BodyFieldsTest, FieldNamesAreCaseSensitive) {
  ASSERT_EQ(parse(R"({"GameSlug": "doom", "gameslug": "quake"})"), kOk);
  EXPECT_FALSE(fields_.slug().present);
}

TEST_F(BodyFieldsTest, MissingFieldsAreNotPresent) {
  ASSERT_EQ(parse("{}"), kOk);
  for (const BodyField& f : fields_.f) EXPECT_FALSE(f.present) << f.name;
  ASSERT_EQ(parse(R"({"gameSlug": "doom"})"), kOk);
  EXPECT_TRUE(fields_.slug().present);
  EXPECT_FALSE(fields_.slot().present);
  EXPECT_FALSE(fields_.fresh().present);
}

TEST_F(BodyFieldsTest, PresenceIsResetByTheNextParse) {
  ASSERT_EQ(parse(R"({"gameSlug": "doom", "fresh": true})"), kOk);
  ASSERT_EQ(parse(R"({"saveSlotId": "v1"})"), kOk);
  EXPECT_FALSE(fields_.slug().present);
  EXPECT_TRUE(fields_.slot().present);
  EXPECT_FALSE(fields_.fresh().present);
}

TEST_F(BodyFieldsTest, EmptyStringIsPresent) {
  ASSERT_EQ(parse(R"({"gameSlug": ""})"), kOk);
  EXPECT_TRUE(fields_.slug().present);
  EXPECT_EQ(fields_.slug().text, kOk);
}

TEST_F(BodyFieldsTest, WrongTypeNamesTheField) {
  struct Case {
    std::string_view body;
    std::string_view message;
  };
  for (const Case& c : {
           Case{R"({"gameSlug": 42})", "Field 'gameSlug' must be a string."},
           Case{R"({"gameSlug": true})", "Field 'gameSlug' must be a string."},
           Case{R"({"gameSlug": null})", "Field 'gameSlug' must be a string."},
           Case{R"({"gameSlug": ["doom"]})", "Field 'gameSlug' must be a string."},
           Case{R"({"gameSlug": {"x": "doom"}})", "Field 'gameSlug' must be a string."},
           Case{R"({"gameSlug": "doom", "fresh": "true"})", "Field 'fresh' must be a boolean."},
           Case{R"({"fresh": 1})", "Field 'fresh' must be a boolean."},
           Case{R"({"fresh": null})", "Field 'fresh' must be a boolean."},
       }) {
    EXPECT_EQ(parse(c.body), c.message) << c.body;
  }
}

TEST_F(BodyFieldsTest, RefusesMalformedJson) {
  for (std::string_view body : {
           std::string_view(""), std::string_view("   "),
           std::string_view(R"({"gameSlug": "doom")"),  // truncated
           std::string_view(R"({"gameSlug": "do)"), std::string_view(R"({"gameSlug": )"),
           std::string_view("{"),
           std::string_view(R"({"gameSlug": "doom"} x)"),  // trailing garbage
           std::string_view(R"({"gameSlug": "doom"}})"),
           std::string_view(R"({"gameSlug": "doom"}{})"),
           std::string_view(R"({"gameSlug": "doom"},)"),
           std::string_view(R"({"gameSlug": "doom",})"),  // trailing comma
           std::string_view(R"({"gameSlug" "doom"})"),
           std::string_view(R"({"gameSlug": "doom" "fresh": true})"),
           std::string_view(R"({'gameSlug': 'doom'})"), std::string_view(R"({gameSlug: "doom"})"),
           std::string_view("{\"gameSlug\": \"\xff\"}"),      // not UTF-8
           std::string_view("{\"gameSlug\": \"a\0b\"}", 19),  // raw control character
       }) {
    EXPECT_FALSE(parse(body).empty()) << '[' << body << ']';
  }
}

TEST_F(BodyFieldsTest, RefusesJsonThatIsNotAnObject) {
  for (std::string_view body :
       {"[]", R"([{"gameSlug": "doom"}])", R"("doom")", "42", "true", "null"}) {
    EXPECT_EQ(parse(body), "The body must be a JSON object.") << body;
  }
}

// SPEC (Conventions): malformed JSON is a 400, and the header promises to refuse "anything that
// is not a well-formed object"; a broken value must not slip through because no handler asked
// for its field.
TEST_F(BodyFieldsTest, RefusesMalformedValuesOfUnknownFields) {
  for (std::string_view body : {
           R"({"x": tru, "gameSlug": "doom"})",
           R"({"x": nul, "gameSlug": "doom"})",
           R"({"x": -, "gameSlug": "doom"})",
           R"({"x": 01, "gameSlug": "doom"})",
           R"({"x": 1x, "gameSlug": "doom"})",
           R"({"x": "\q", "gameSlug": "doom"})",
           R"({"x": [1, 2,], "gameSlug": "doom"})",
           R"({"x": {"y": }, "gameSlug": "doom"})",
       }) {
    EXPECT_FALSE(parse(body).empty()) << body;
  }
}

// Numbers past what a 64-bit integer or a double holds are valid JSON: a body carrying one in
// a field nobody reads is read like any other (issue #13, item 7).
TEST_F(BodyFieldsTest, IgnoresUnknownNumbersOfAnySize) {
  for (std::string_view number : {
           "123456789012345678901234567890",
           "18446744073709551616",  // 2^64
           "-9223372036854775809",  // below INT64_MIN
           "-98765432109876543210987654321",
           "1e400",
           "-1.5E+999",
           "2.5e-400",
           "0.000000000000000000000000000000000000000000000000001",
           "123456789012345678901234567890.123456789e-5",
       }) {
    const std::string body = R"({"big": )" + std::string(number) +
                             R"(, "gameSlug": "doom", "more": [)" + std::string(number) +
                             R"(, {"n": )" + std::string(number) + R"(}], "fresh": true})";
    ASSERT_EQ(parse(body), kOk) << body;
    EXPECT_EQ(fields_.slug().text, "doom") << body;
    EXPECT_TRUE(fields_.fresh().flag) << body;
  }
  // Strings that look like numbers are left as they are.
  ASSERT_EQ(
      parse(R"({"big": 123456789012345678901234567890, "gameSlug": "12345678901234567890123"})"),
      kOk);
  EXPECT_EQ(fields_.slug().text, "12345678901234567890123");
}

TEST_F(BodyFieldsTest, StillRefusesNumbersThatAreNotJson) {
  for (std::string_view number :
       {"0123456789012345678901234567890", "1.", ".5", "+1", "1e", "1e+", "--1",
        "123456789012345678901234567890x", "0x10", "123456789012345678901234567890 1"}) {
    const std::string body = R"({"big": )" + std::string(number) + R"(, "gameSlug": "doom"})";
    EXPECT_FALSE(parse(body).empty()) << body;
  }
  // A big number where a string or a flag is expected is the wrong type.
  EXPECT_EQ(parse(R"({"gameSlug": 123456789012345678901234567890})"),
            "Field 'gameSlug' must be a string.");
}

TEST_F(BodyFieldsTest, RefusesABrokenEscapeInAKnownField) {
  EXPECT_FALSE(parse(R"({"gameSlug": "do\qom"})").empty());
  EXPECT_FALSE(parse(R"({"gameSlug": "\ud800"})").empty());  // a lone surrogate
}

TEST_F(BodyFieldsTest, UnescapesStrings) {
  ASSERT_EQ(parse(R"({"gameSlug": "a\"b\\c\/d\n\t\u00e9\u20ac\ud83d\ude00"})"), kOk);
  EXPECT_EQ(fields_.slug().text, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST_F(BodyFieldsTest, UnescapesKeys) {
  ASSERT_EQ(parse(R"({"game\u0053lug": "doom"})"), kOk);
  EXPECT_TRUE(fields_.slug().present);
  EXPECT_EQ(fields_.slug().text, "doom");
}

TEST_F(BodyFieldsTest, AcceptsWhitespaceAroundTheObject) {
  ASSERT_EQ(parse(" \r\n\t{ \"gameSlug\" : \"doom\" }\n"), kOk);
  EXPECT_EQ(fields_.slug().text, "doom");
}

TEST_F(BodyFieldsTest, ReadsOnlyTheViewedBytes) {
  const std::string buffer = R"({"gameSlug": "doom"}{"gameSlug": "quake"})";
  ASSERT_EQ(parse(std::string_view(buffer).substr(0, 20)), kOk);
  EXPECT_EQ(fields_.slug().text, "doom");
}

TEST_F(BodyFieldsTest, ParserIsReusableAcrossManyParses) {
  for (int i = 0; i < 2000; ++i) {
    const std::string slug =
        "game-" + std::to_string(i) + std::string(static_cast<size_t>(i % 300), 'x');
    const bool fresh = i % 2 == 0;
    const std::string body =
        R"({"gameSlug": ")" + slug + R"(", "fresh": )" + (fresh ? "true" : "false") + "}";
    ASSERT_EQ(parse(body), kOk) << body;
    ASSERT_EQ(fields_.slug().text, slug);
    ASSERT_EQ(fields_.fresh().flag, fresh);
    if (i % 7 == 0) {
      ASSERT_FALSE(parse(R"({"gameSlug": )").empty());  // a failed parse in between changes nothing
    }
  }
}

TEST_F(BodyFieldsTest, LargeBodyWithManyUnknownFields) {
  std::string body = "{";
  for (int i = 0; i < 2000; ++i)
    body += "\"k" + std::to_string(i) + "\": \"" + std::string(20, 'v') + "\", ";
  body += R"("gameSlug": "doom"})";
  ASSERT_EQ(parse(body), kOk);
  EXPECT_EQ(fields_.slug().text, "doom");
}

}  // namespace
}  // namespace ringside

#include "core/json_writer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <string_view>

namespace ringside {
namespace {

// Renders one string value and returns the JSON text.
std::string string_json(std::string_view s) {
  ByteBuffer out;
  JsonWriter(out).value(s);
  return std::string(out.view());
}

// Parses JSON text holding one string and returns it, or fails the test.
std::string parse_string(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  std::string_view parsed;
  const auto error = parser.parse(padded).get_string().get(parsed);
  EXPECT_EQ(error, simdjson::SUCCESS) << json;
  return std::string(parsed);
}

TEST(JsonWriter, EscapesQuoteAndBackslash) {
  EXPECT_EQ(string_json(R"(say "hi" \o/)"), R"("say \"hi\" \\o/")");
}

TEST(JsonWriter, EscapesNamedControlCharacters) {
  EXPECT_EQ(string_json("\b\f\n\r\t"), R"("\b\f\n\r\t")");
}

TEST(JsonWriter, EscapesEveryControlCharacter) {
  static constexpr const char* kExpected[32] = {
      R"(\u0000)", R"(\u0001)", R"(\u0002)", R"(\u0003)", R"(\u0004)", R"(\u0005)", R"(\u0006)",
      R"(\u0007)", R"(\b)",     R"(\t)",     R"(\n)",     R"(\u000b)", R"(\f)",     R"(\r)",
      R"(\u000e)", R"(\u000f)", R"(\u0010)", R"(\u0011)", R"(\u0012)", R"(\u0013)", R"(\u0014)",
      R"(\u0015)", R"(\u0016)", R"(\u0017)", R"(\u0018)", R"(\u0019)", R"(\u001a)", R"(\u001b)",
      R"(\u001c)", R"(\u001d)", R"(\u001e)", R"(\u001f)"};
  for (int c = 0; c < 32; ++c) {
    const char in[] = {'a', static_cast<char>(c), 'b'};
    const std::string json = string_json(std::string_view(in, 3));
    EXPECT_EQ(json, "\"a" + std::string(kExpected[c]) + "b\"") << "byte " << c;
    EXPECT_EQ(parse_string(json), std::string_view(in, 3)) << "byte " << c;
  }
}

TEST(JsonWriter, LeavesDelAndSlashAlone) { EXPECT_EQ(string_json("a/\x7f"), "\"a/\x7f\""); }

TEST(JsonWriter, PassesValidUtf8Through) {
  // 2-, 3- and 4-byte sequences, and the edges of the valid ranges.
  const std::string s =
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBF "
      "\xF4\x8F\xBF\xBF \xC2\x80";
  EXPECT_EQ(string_json(s), "\"" + s + "\"");
}

TEST(JsonWriter, ReplacesInvalidUtf8WithReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"a\x80z", "a" + r + "z"},                     // stray continuation byte
      {"\xC0\xAF", r + r},                           // overlong lead, then stray byte
      {"\xC1\xBF", r + r},                           // overlong lead
      {"\xE0\x80\xAF", r + r + r},                   // overlong 3-byte form
      {"\xED\xA0\x80", r + r + r},                   // UTF-16 surrogate U+D800
      {"\xF0\x8F\xBF\xBF", r + r + r + r},           // overlong 4-byte form
      {"\xF4\x90\x80\x80", r + r + r + r},           // above U+10FFFF
      {"\xF5\x80", r + r},                           // lead byte never valid
      {"\xFF", r},                                   //
      {"x\xE2\x82", "x" + r},                        // truncated at the end: one replacement
      {"\xE2\x82x", r + "x"},                        // truncated before ASCII
      {"\xF0\x9F\x98\"", r + "\\\""},                // truncated before a quote
      {"\xC3\xA9\xC3", "\xC3\xA9" + r},              // valid then truncated
      {"\xE2\x82\xE2\x82\xAC", r + "\xE2\x82\xAC"},  // truncated, then a valid sequence
  };
  for (const Case& c : cases) {
    EXPECT_EQ(string_json(c.in), "\"" + c.out + "\"") << testing::PrintToString(c.in);
  }
}

TEST(JsonWriter, AnyBytesGiveValidJsonAndValidUtf8RoundTrips) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int i = 0; i < 2000; ++i) {
    std::string in(static_cast<size_t>(length(rng)), '\0');
    for (char& c : in) c = static_cast<char>(byte(rng));
    const std::string json = string_json(in);
    const std::string parsed = parse_string(json);
    if (simdjson::validate_utf8(in.data(), in.size())) {
      EXPECT_EQ(parsed, in);
    }
  }
}

TEST(JsonWriter, EmptyContainers) {
  ByteBuffer out;
  JsonWriter w(out);
  w.begin_object().key("a").begin_array().end_array().key("o").begin_object().end_object();
  w.end_object();
  EXPECT_EQ(out.view(), R"({"a":[],"o":{}})");
}

TEST(JsonWriter, PlacesCommasInNestedObjectsAndArrays) {
  ByteBuffer out;
  JsonWriter w(out);
  w.begin_object();
  w.key("sessions").begin_array();
  w.begin_object().key("id").value("s1").key("n").value(1).end_object();
  w.begin_object()
      .key("id")
      .value("s2")
      .key("tags")
      .begin_array()
      .value("a")
      .value("b")
      .end_array();
  w.end_object();
  w.end_array();
  w.key("matrix").begin_array().begin_array().value(1).value(2).end_array();
  w.begin_array().end_array().begin_array().value(3).end_array().end_array();
  w.key("last").null();
  w.end_object();
  EXPECT_EQ(out.view(), R"({"sessions":[{"id":"s1","n":1},{"id":"s2","tags":["a","b"]}],)"
                        R"("matrix":[[1,2],[],[3]],"last":null})");
}

TEST(JsonWriter, TopLevelArrayOfScalars) {
  ByteBuffer out;
  JsonWriter(out)
      .begin_array()
      .value(true)
      .value(false)
      .null()
      .raw(R"({"x":1})")
      .value("s")
      .end_array();
  EXPECT_EQ(out.view(), R"([true,false,null,{"x":1},"s"])");
}

TEST(JsonWriter, EscapesKeys) {
  ByteBuffer out;
  JsonWriter(out).begin_object().key("a\"b\n").value(0).end_object();
  EXPECT_EQ(out.view(), R"({"a\"b\n":0})");
}

TEST(JsonWriter, StringLiteralIsAStringNotABool) {
  ByteBuffer out;
  const char* null_string = nullptr;
  JsonWriter(out).begin_array().value("text").value(null_string).end_array();
  EXPECT_EQ(out.view(), R"(["text",null])");
}

TEST(JsonWriter, Integers) {
  ByteBuffer out;
  JsonWriter w(out);
  w.begin_array();
  w.value(0).value(-1).value(42).value(std::numeric_limits<int>::min());
  w.value(std::numeric_limits<int64_t>::min()).value(std::numeric_limits<int64_t>::max());
  w.value(std::numeric_limits<uint64_t>::max()).value(std::numeric_limits<uint32_t>::max());
  w.end_array();
  EXPECT_EQ(out.view(),
            "[0,-1,42,-2147483648,-9223372036854775808,9223372036854775807,"
            "18446744073709551615,4294967295]");
}

TEST(JsonWriter, DoublesUseShortestRoundTrip) {
  ByteBuffer out;
  JsonWriter w(out);
  w.begin_array();
  w.value(0.1).value(-2.5).value(3.0).value(1e21).value(123.456).value(-0.0);
  w.value(std::numeric_limits<double>::lowest());
  w.end_array();
  EXPECT_EQ(out.view(), "[0.1,-2.5,3,1e+21,123.456,-0,-1.7976931348623157e+308]");
}

TEST(JsonWriter, LargeIntegralDoublesUseExponentForm) {
  ByteBuffer out;
  JsonWriter(out)
      .begin_array()
      .value(9999999999999998.0)
      .value(1e16)
      .value(std::ldexp(1.0, 70))
      .value(-1.5e17)
      .end_array();
  EXPECT_EQ(out.view(), "[9999999999999998,1e+16,1.1805916207174113e+21,-1.5e+17]");
}

TEST(JsonWriter, DoublesReadBackExactly) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 1000; ++i) {
    const double d =
        std::ldexp(static_cast<double>(rng() >> 11), static_cast<int>(rng() % 200) - 100);
    ByteBuffer out;
    JsonWriter(out).value(i % 2 ? d : -d);
    simdjson::dom::parser parser;
    double parsed = 0;
    ASSERT_EQ(parser.parse(simdjson::padded_string(out.view())).get_double().get(parsed),
              simdjson::SUCCESS)
        << out.view();
    EXPECT_EQ(parsed, i % 2 ? d : -d) << out.view();
  }
}

TEST(JsonWriter, NonFiniteDoublesAreNull) {
  ByteBuffer out;
  JsonWriter(out)
      .begin_array()
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(-std::numeric_limits<double>::infinity())
      .end_array();
  EXPECT_EQ(out.view(), "[null,null,null]");
}

TEST(JsonWriter, Timestamps) {
  ByteBuffer out;
  JsonWriter(out)
      .begin_object()
      .key("startedAt")
      .timestamp(1741515300)
      .key("epoch")
      .timestamp(0)
      .key("leap")
      .timestamp(1709164800)
      .end_object();
  EXPECT_EQ(out.view(), R"({"startedAt":"2025-03-09T10:15:00Z","epoch":"1970-01-01T00:00:00Z",)"
                        R"("leap":"2024-02-29T00:00:00Z"})");
}

TEST(JsonWriter, AppendsAfterExistingContent) {
  ByteBuffer out;
  out.append("HTTP/1.1 200 OK\r\n\r\n");
  JsonWriter(out).begin_object().key("status").value("ok").end_object();
  EXPECT_EQ(out.view(), "HTTP/1.1 200 OK\r\n\r\n{\"status\":\"ok\"}");
}

}  // namespace
}  // namespace ringside

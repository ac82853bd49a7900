#include "tools/storm/response_fields.h"

#include <gtest/gtest.h>
#include <simdjson.h>

namespace ringside::storm {
namespace {

// The reader parses in place and wants simdjson's padding after the body; the views it returns
// point into the parser, so they outlive the copy made here.
ResponseFields read(ResponseReader& reader, std::string_view json) {
  const simdjson::padded_string body(json);
  return reader.read(std::string_view(body.data(), body.size()));
}

TEST(StormResponseFields, ReadsTheFieldsOfEachAnswer) {
  ResponseReader reader;
  const std::string_view token(
      R"({"sessionToken":"t1abc","expiresAt":"2025-03-09T10:15:00Z","launchUrl":"x"})");
  EXPECT_EQ(read(reader, token).session_token, "t1abc");

  const std::string_view launch(R"({"sessionId":"s1xyz","status":"starting"})");
  const ResponseFields f = read(reader, launch);
  EXPECT_EQ(f.session_id, "s1xyz");
  EXPECT_EQ(f.status, "starting");
  EXPECT_TRUE(f.session_token.empty());
  EXPECT_TRUE(f.error_code.empty());
}

TEST(StormResponseFields, ReadsBothShapesOfError) {
  ResponseReader reader;
  const std::string_view answer(R"({"error":"rate_limited","message":"Too many."})");
  EXPECT_EQ(read(reader, answer).error_code, "rate_limited");

  const std::string_view session(
      R"({"sessionId":"s1","status":"error","error":{"message":"no","code":"pull_failed"}})");
  const ResponseFields f = read(reader, session);
  EXPECT_EQ(f.status, "error");
  EXPECT_EQ(f.error_code, "pull_failed");
}

TEST(StormResponseFields, LeavesFieldsOfOtherTypesOrBadBodiesEmpty) {
  ResponseReader reader;
  const std::string_view wrong_types(R"({"sessionId":17,"status":null,"error":[1]})");
  const ResponseFields f = read(reader, wrong_types);
  EXPECT_TRUE(f.session_id.empty());
  EXPECT_TRUE(f.status.empty());
  EXPECT_TRUE(f.error_code.empty());

  for (const char* bad : {"", "not json", "[1,2]", "{\"sessionId\":", "\"s\""}) {
    const ResponseFields g = read(reader, bad);
    EXPECT_TRUE(g.session_id.empty()) << bad;
    EXPECT_TRUE(g.status.empty()) << bad;
  }
}

}  // namespace
}  // namespace ringside::storm

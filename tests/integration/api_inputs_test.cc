// What clients and operators send (docs/api-inputs.md): identifiers are checked before they
// reach any store (400 invalid_request naming the field), any valid JSON body is read, and
// input nobody is allowed to use costs the server nothing it keeps.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

class ApiInputsTest : public SessionsTest {
 protected:
  void SetUp() override { ASSERT_TRUE(start()); }

  // The VmRSS of the server, in KiB (0 if it cannot be read).
  long rss_kib() {
    std::ifstream in("/proc/" + std::to_string(server_.pid()) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
  }
};

// 400 invalid_request whose message names `field`.
::testing::AssertionResult is_refusal_naming(const std::optional<HttpResponse>& r,
                                             std::string_view field) {
  ::testing::AssertionResult error = is_error(r, 400, "invalid_request");
  if (!error) return error;
  std::string quoted_field = "'";
  quoted_field.append(field);
  quoted_field.push_back('\'');
  if (json_of(r)["message"].str().find(quoted_field) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "the message does not name '" << field << "': " << r->body;
  }
  return ::testing::AssertionSuccess();
}

// `text` as a JSON string (no escaping: the tests write their escapes themselves).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  out.append(text);
  out.push_back('"');
  return out;
}

std::string launch_body(std::string_view player_json) {
  return R"({"playerId":)" + std::string(player_json) + "}";
}

TEST_F(ApiInputsTest, PlayerIdsWithControlCharactersOrTooLongAreRefused) {
  for (std::string player : {
           std::string(R"("alice\u0000evil")"),  // stored as "alice" by a text parameter
           std::string(R"("\u0000")"),
           std::string(R"("alice\n")"),
           std::string(R"("tab\there")"),
           std::string(R"("del\u007f")"),
           std::string(R"("c1\u0085")"),
           json_string(std::string(257, 'p')),
       }) {
    EXPECT_TRUE(is_refusal_naming(api().operator_launch(launch_body(player)), "playerId"))
        << player;
  }
}

TEST_F(ApiInputsTest, PlayerIdsOfPrintableTextAreAccepted) {
  for (std::string player : {
           std::string(R"("alice")"),
           std::string(R"("Joueur \u00e9l\u00e8ve #7")"),
           std::string(R"("user@example.test")"),
           std::string(R"("\u2603 snow")"),
           json_string(std::string(256, 'p')),
       }) {
    EXPECT_TRUE(has_status(api().operator_launch(launch_body(player)), 200)) << player;
  }
}

TEST_F(ApiInputsTest, MalformedSlugsAreRefusedNamingTheField) {
  EXPECT_TRUE(is_refusal_naming(
      api().operator_launch(R"({"playerId":"alice","gameSlug":"Tlon-Uqbar"})"), "gameSlug"));
  EXPECT_TRUE(is_refusal_naming(
      api().operator_launch(R"({"playerId":"alice","gameSlug":"tlon\u0000uqbar"})"), "gameSlug"));
  EXPECT_TRUE(is_refusal_naming(api().operator_launch(R"({"playerId":"alice","gameSlug":)" +
                                                      json_string(std::string(65, 'a')) + "}"),
                                "gameSlug"));
  const std::string token = api().token_for("alice");
  ASSERT_FALSE(token.empty());
  EXPECT_TRUE(is_refusal_naming(api().launch(token, R"({"gameSlug":"../etc"})"), "gameSlug"));
  EXPECT_TRUE(is_refusal_naming(api().save_slots(token, "gameSlug=a%00b"), "gameSlug"));
  EXPECT_TRUE(is_refusal_naming(api().save_slots(token, "gameSlug=%zz"), "gameSlug"));
  EXPECT_TRUE(is_refusal_naming(api().game(token, "NOT-A-SLUG"), "slug"));
  // Well-formed but unknown is still 404.
  EXPECT_TRUE(is_error(api().game(token, "pong"), 404, "not_found"));
  EXPECT_TRUE(is_error(api().launch(token, R"({"gameSlug":"pong"})"), 404, "not_found"));
  EXPECT_TRUE(is_error(api().save_slots(token, "gameSlug=pong"), 404, "not_found"));
}

TEST_F(ApiInputsTest, LobbyUrlsMustBeHttpWithoutControlCharacters) {
  for (std::string lobby : {
           std::string("javascript:alert(1)"),
           std::string("ftp://lobby.example.test/"),
           std::string("https://lobby.example.test/\\u0000x"),
           std::string("https://lobby.example.test/\\r\\nSet-Cookie: a=b"),
           "https://lobby.example.test/" + std::string(2030, 'a'),
       }) {
    EXPECT_TRUE(is_refusal_naming(
        api().operator_launch(R"({"playerId":"alice","lobbyUrl":")" + lobby + "\"}"), "lobbyUrl"))
        << lobby;
  }
  EXPECT_TRUE(has_status(
      api().operator_launch(R"({"playerId":"alice","lobbyUrl":"HTTP://lobby.example.test/r?a=1"})"),
      200));
}

TEST_F(ApiInputsTest, UnknownFieldsOfAnyValidJsonTypeAreIgnored) {
  auto r = api().operator_launch(
      R"({"playerId":"alice","big":123456789012345678901234567890,"neg":-98765432109876543210,)"
      R"("huge":1e400,"tiny":-2.5e-400,"deep":{"a":[18446744073709551616]}})");
  ASSERT_TRUE(has_status(r, 200));
  const std::string token = json_of(r)["sessionToken"].str();
  const std::string session = api().launch_accepted(
      token, R"({"gameSlug":"tlon-uqbar","n":123456789012345678901234567890})");
  ASSERT_FALSE(session.empty());
  EXPECT_TRUE(has_status(
      api().send("POST", "/api/game/keepalive",
                 R"({"sessionId":")" + session + R"(","t":99999999999999999999999})", token),
      200));
  // Still refused: numbers that are not JSON.
  EXPECT_TRUE(is_error(api().operator_launch(R"({"playerId":"alice","big":0123})"), 400,
                       "invalid_request"));
  EXPECT_TRUE(
      is_error(api().operator_launch(R"({"playerId":"alice","big":1.})"), 400, "invalid_request"));
}

// An unknown token with a query that decodes into thousands of bytes: before the fix, the
// owner decoded the query before looking at the token, into a scratch buffer never cleared,
// so every such request grew the process for good.
TEST_F(ApiInputsTest, EncodedQueriesWithAnUnknownTokenCostNoMemory) {
  std::string token = api().token_for("alice");
  ASSERT_FALSE(token.empty());
  // Same shape and owner, another random part: well-shaped, unknown.
  token[10] = token[10] == 'a' ? 'b' : 'a';
  const std::string target = "/api/game/session-status?sessionId=" + std::string(4000, '+');
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(is_error(api().send("GET", target, "", token), 401, "unauthorized"));
  }
  const long before = rss_kib();
  ASSERT_GT(before, 0);
  for (int i = 0; i < 10000; ++i) {
    auto r = api().send("GET", target, "", token);
    ASSERT_TRUE(has_status(r, 401)) << "request " << i;
  }
  const long after = rss_kib();
  // 10 000 × 4 000 decoded bytes would be 40 MB (the unfixed server grew by 57 MB). The bound
  // leaves room for an allocator that holds freed blocks a while (AddressSanitizer's
  // quarantine: 5 MB here).
  EXPECT_LT(after - before, 16 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
}

}  // namespace
}  // namespace ringside::itest

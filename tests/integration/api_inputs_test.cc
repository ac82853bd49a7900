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
  // 10 000 × 4 000 decoded bytes would be 40 MB.
  EXPECT_LT(after - before, 4 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
}

}  // namespace
}  // namespace ringside::itest

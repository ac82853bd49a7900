// Authentication as a user sees it (SPEC: Authentication; docs/decisions.md: Tokens): the
// operator launch that mints a token and a launch URL, token refresh with its grace period,
// token expiry, and secrets kept out of the log.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

using SessionsAuthTest = SessionsTest;

// Percent-decodes a URL query value the way a browser's URLSearchParams does ('+' is a space).
std::string query_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() &&
               std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// name=value pairs of a query string, in order, values as sent.
std::vector<std::pair<std::string, std::string>> query_pairs(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty()) {
    std::string_view part = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), part.size() + 1));
    size_t eq = part.find('=');
    pairs.emplace_back(std::string(part.substr(0, eq)),
                       eq == std::string_view::npos ? "" : std::string(part.substr(eq + 1)));
  }
  return pairs;
}

// An answer that shows the token was accepted: the catalog, 200.
::testing::AssertionResult token_works(ApiClient& api, std::string_view token) {
  return has_status(api.games(token), 200);
}

TEST_F(SessionsAuthTest, OperatorLaunchAnswersTokenExpiryAndEncodedLaunchUrl) {
  ASSERT_TRUE(start({"--iframe-base", "https://play.example.test/embed"}));
  const std::string lobby = "https://lobby.example.test/room?a=1&b=two words#top/\xC3\xBC";
  const time_t before = std::time(nullptr);
  auto r = api().operator_launch(R"({"playerId":"alice","gameSlug":"tlon-uqbar","lobbyUrl":")" +
                                 lobby + R"("})");
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(media_type(*r), "application/json");
  Json body = json_of(r);
  const std::string token = body["sessionToken"].str();
  EXPECT_TRUE(is_url_safe(token)) << describe(*r);
  // Token sessions last an hour by default.
  ASSERT_TRUE(is_rfc3339_utc(body["expiresAt"]));
  const time_t expires = *parse_rfc3339_utc(body["expiresAt"].str());
  EXPECT_GE(expires, before + 3600 - 5) << body.text();
  EXPECT_LE(expires, std::time(nullptr) + 3600 + 5) << body.text();

  // {iframeBase}/{slug}?sessionToken={token}&id={gameSlug}&lobbyUrl={url}, values encoded.
  const std::string url = body["launchUrl"].str();
  const std::string prefix = "https://play.example.test/embed/tlon-uqbar?";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  auto pairs = query_pairs(std::string_view(url).substr(prefix.size()));
  ASSERT_EQ(pairs.size(), 3u) << url;
  EXPECT_EQ(pairs[0], std::make_pair(std::string("sessionToken"), token)) << url;
  EXPECT_EQ(pairs[1], std::make_pair(std::string("id"), std::string(kGame))) << url;
  EXPECT_EQ(pairs[2].first, "lobbyUrl") << url;
  EXPECT_EQ(query_decode(pairs[2].second), lobby) << url;
  for (unsigned char c : url) {
    EXPECT_TRUE(c > 0x20 && c < 0x7F && c != '#') << "raw byte " << int{c} << " in " << url;
  }
  EXPECT_TRUE(token_works(api(), token));
}

TEST_F(SessionsAuthTest, OperatorLaunchWithoutGameGivesAGamelessLaunchUrl) {
  ASSERT_TRUE(start({"--iframe-base", "https://play.example.test/embed"}));
  auto r = api().operator_launch(R"({"playerId":"bob"})");
  ASSERT_TRUE(has_status(r, 200));
  const std::string token = json_of(r)["sessionToken"].str();
  ASSERT_FALSE(token.empty()) << describe(*r);
  EXPECT_EQ(json_of(r)["launchUrl"].str(),
            "https://play.example.test/embed/?sessionToken=" + token);
  EXPECT_TRUE(token_works(api(), token));
}

TEST_F(SessionsAuthTest, OperatorLaunchWithoutKeyIs401) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(is_error(api().operator_launch(R"({"playerId":"alice"})", ""), 401, "unauthorized"));
}

TEST_F(SessionsAuthTest, OperatorLaunchWithWrongKeyIs403) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(is_error(api().operator_launch(R"({"playerId":"alice"})", "KEX"), 403, "forbidden"));
  EXPECT_TRUE(
      is_error(api().operator_launch(R"({"playerId":"alice"})", "KEYKEY"), 403, "forbidden"));
}

TEST_F(SessionsAuthTest, OperatorLaunchOfUnknownGameIs404) {
  ASSERT_TRUE(start());
  EXPECT_TRUE(is_error(api().operator_launch(R"({"playerId":"alice","gameSlug":"pong"})"), 404,
                       "not_found"));
}

TEST_F(SessionsAuthTest, OperatorLaunchWithBadBodyIs400) {
  ASSERT_TRUE(start());
  for (const char* body :
       {R"({"playerId":"alice")", "playerId=alice", "", "[]", R"({"gameSlug":"tlon-uqbar"})",
        R"({"playerId":42})", R"({"playerId":""})", R"({"playerId":"alice","lobbyUrl":7})"}) {
    EXPECT_TRUE(is_error(api().operator_launch(body), 400, "invalid_request")) << body;
  }
}

TEST_F(SessionsAuthTest, OperatorRelaunchOfSamePlayerAndGameReturnsTheSameToken) {
  ASSERT_TRUE(start());
  const std::string first = api().token_for("alice", kGame);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(api().token_for("alice", kGame), first);
  // Another game or another player is another token session.
  EXPECT_NE(api().token_for("alice", kOtherGame), first);
  EXPECT_NE(api().token_for("alice"), first);
  EXPECT_NE(api().token_for("carol", kGame), first);
  EXPECT_TRUE(token_works(api(), first));
}

TEST_F(SessionsAuthTest, RefreshGivesANewTokenOfTheSamePlayer) {
  ASSERT_TRUE(start());
  const std::string old_token = api().token_for("alice", kGame);
  const std::string session = api().launch_accepted(old_token, "{}");
  ASSERT_FALSE(session.empty());

  auto r = api().refresh(old_token);
  ASSERT_TRUE(has_status(r, 200));
  const std::string new_token = json_of(r)["sessionToken"].str();
  EXPECT_TRUE(is_url_safe(new_token)) << describe(*r);
  EXPECT_NE(new_token, old_token);
  ASSERT_TRUE(is_rfc3339_utc(json_of(r)["expiresAt"]));
  EXPECT_GE(*parse_rfc3339_utc(json_of(r)["expiresAt"].str()), std::time(nullptr) + 3600 - 5);

  // The new token is the same player's: it sees the session launched with the old one.
  auto status = api().status(new_token, session);
  ASSERT_TRUE(has_status(status, 200));
  EXPECT_EQ(json_of(status)["sessionId"].str(), session);
}

TEST_F(SessionsAuthTest, SecondRefreshOfOneTokenIs409AndTheNewestRotatesAgain) {
  ASSERT_TRUE(start());
  const std::string t0 = api().token_for("alice");
  auto first = api().refresh(t0);
  ASSERT_TRUE(has_status(first, 200));
  EXPECT_TRUE(is_error(api().refresh(t0), 409, "token_already_refreshed"));

  const std::string t1 = json_of(first)["sessionToken"].str();
  auto second = api().refresh(t1);
  ASSERT_TRUE(has_status(second, 200));
  const std::string t2 = json_of(second)["sessionToken"].str();
  EXPECT_NE(t2, t1);
  EXPECT_NE(t2, t0);
  EXPECT_TRUE(token_works(api(), t2));
}

TEST_F(SessionsAuthTest, ReplacedTokenWorksDuringTheGraceThenIsDead) {
  ASSERT_TRUE(start({"--refresh-grace", "1"}));
  const std::string old_token = api().token_for("alice", kGame);
  auto r = api().refresh(old_token);
  ASSERT_TRUE(has_status(r, 200));
  const std::string new_token = json_of(r)["sessionToken"].str();

  EXPECT_TRUE(token_works(api(), old_token));
  sleep_ms(1500);
  EXPECT_TRUE(is_error(api().games(old_token), 401, "unauthorized"));
  EXPECT_TRUE(is_error(api().refresh(old_token), 401, "unauthorized"));
  EXPECT_TRUE(token_works(api(), new_token));
}

TEST_F(SessionsAuthTest, TokenExpiresWithoutRequestsAndRequestsExtendIt) {
  ASSERT_TRUE(start({"--token-ttl", "2"}));
  const std::string idle = api().token_for("idle-player");
  const std::string busy = api().token_for("busy-player");
  ASSERT_FALSE(idle.empty());
  ASSERT_FALSE(busy.empty());
  // The busy token is used every half second for longer than the TTL.
  for (int i = 0; i < 6; ++i) {
    sleep_ms(500);
    ASSERT_TRUE(token_works(api(), busy)) << "after " << (i + 1) * 500 << " ms";
  }
  EXPECT_TRUE(is_error(api().games(idle), 401, "unauthorized"));
  EXPECT_TRUE(is_error(api().launch(idle, game_body(kGame)), 401, "unauthorized"));
  // The operator mints a new token session for the player once the old one expired.
  const std::string again = api().token_for("idle-player");
  EXPECT_NE(again, idle);
  EXPECT_TRUE(token_works(api(), again));
}

TEST_F(SessionsAuthTest, TokensAndOperatorKeyNeverAppearInTheLog) {
  const std::string key = "op-secret-5b1e9d27c4";
  ASSERT_TRUE(start({"--operator-key", key, "--log-level", "debug"}));
  std::vector<std::string> tokens;
  for (const char* player : {"alice", "bob"}) {
    auto r = api().operator_launch(R"({"playerId":")" + std::string(player) + R"("})", key);
    ASSERT_TRUE(has_status(r, 200));
    tokens.push_back(json_of(r)["sessionToken"].str());
  }
  auto refreshed = api().refresh(tokens[0]);
  ASSERT_TRUE(has_status(refreshed, 200));
  tokens.push_back(json_of(refreshed)["sessionToken"].str());
  EXPECT_TRUE(is_error(api().refresh(tokens[0]), 409, "token_already_refreshed"));

  const std::string session = api().launch_running(tokens[1], game_body(kGame));
  ASSERT_FALSE(session.empty());
  ASSERT_TRUE(has_status(api().keepalive(tokens[1], session), 200));
  api().stop_ok(tokens[1], session);
  // Refused requests are as likely to be logged as served ones.
  EXPECT_TRUE(is_error(api().status(tokens[2], session), 404, "not_found"));
  EXPECT_TRUE(is_error(api().operator_launch(R"({"playerId":"x"})", key + "x"), 403, "forbidden"));

  const std::string log = server_.log();
  for (const std::string& token : tokens) {
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(log.find(token), std::string::npos) << "token " << token << " in the log:\n" << log;
  }
  EXPECT_EQ(log.find(key), std::string::npos) << "the operator key is in the log:\n" << log;
}

}  // namespace
}  // namespace ringside::itest

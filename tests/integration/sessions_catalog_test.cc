// The game catalog (SPEC: Game catalog) behind a bearer token: the list, one game, and the
// 401s and 404s around them.
#include <gtest/gtest.h>

#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

class SessionsCatalogTest : public SessionsTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(start());
    token_ = api().token_for("reader");
    ASSERT_FALSE(token_.empty());
  }

  std::string token_;
};

::testing::AssertionResult is_game(const Json& game) {
  if (!game["slug"].is_string() || game["slug"].str().empty() || !game["title"].is_string() ||
      game["title"].str().empty() || !game["image"].is_string() || game["image"].str().empty() ||
      !game["sizeMb"].integer() || *game["sizeMb"].integer() <= 0) {
    return ::testing::AssertionFailure()
           << "not a game {slug, title, image, sizeMb}: " << game.text();
  }
  return ::testing::AssertionSuccess();
}

TEST_F(SessionsCatalogTest, ListsEveryGame) {
  auto r = api().games(token_);
  ASSERT_TRUE(has_status(r, 200));
  EXPECT_EQ(media_type(*r), "application/json");
  Json games = json_of(r)["games"];
  ASSERT_TRUE(games.is_array()) << describe(*r);
  ASSERT_EQ(games.size(), 3u) << describe(*r);
  bool found = false;
  for (size_t i = 0; i < games.size(); ++i) {
    EXPECT_TRUE(is_game(games.at(i)));
    if (games.at(i)["slug"].str() == kGame) {
      found = true;
      EXPECT_EQ(games.at(i)["title"].str(), kGameTitle);
    }
  }
  EXPECT_TRUE(found) << describe(*r);
}

TEST_F(SessionsCatalogTest, AGameScopedTokenSeesTheCatalogToo) {
  const std::string scoped = api().token_for("reader", kOtherGame);
  EXPECT_EQ(json_of(api().games(scoped))["games"].size(), 3u);
}

TEST_F(SessionsCatalogTest, OneGameBySlug) {
  auto r = api().game(token_, kGame);
  ASSERT_TRUE(has_status(r, 200));
  Json game = json_of(r);
  EXPECT_TRUE(is_game(game));
  EXPECT_EQ(game["slug"].str(), kGame);
  EXPECT_EQ(game["title"].str(), kGameTitle);
  // The same entry as in the list.
  Json games = json_of(api().games(token_))["games"];
  for (size_t i = 0; i < games.size(); ++i) {
    if (games.at(i)["slug"].str() == kGame) {
      EXPECT_EQ(games.at(i).text(), game.text());
    }
  }
}

TEST_F(SessionsCatalogTest, UnknownGameIs404) {
  EXPECT_TRUE(is_error(api().game(token_, "pong"), 404, "not_found"));
}

TEST_F(SessionsCatalogTest, WithoutTokenIs401) {
  EXPECT_TRUE(is_error(api().games(""), 401, "unauthorized"));
  EXPECT_TRUE(is_error(api().game("", kGame), 401, "unauthorized"));
}

TEST_F(SessionsCatalogTest, GarbageTokenIs401) {
  EXPECT_TRUE(is_error(api().games("garbage"), 401, "unauthorized"));
  EXPECT_TRUE(is_error(api().game("garbage", kGame), 401, "unauthorized"));
  // Well formed, but never issued: the real token with one character changed.
  std::string forged = token_;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'a' ? 'b' : 'a';
  EXPECT_TRUE(is_error(api().games(forged), 401, "unauthorized"));
  // A valid token under another scheme is no bearer token.
  HttpClient raw;
  ASSERT_TRUE(raw.connect(port())) << raw.error();
  EXPECT_TRUE(is_error(raw.request("GET", "/api/games", {}, {{"Authorization", "Basic " + token_}}),
                       401, "unauthorized"));
}

}  // namespace
}  // namespace ringside::itest

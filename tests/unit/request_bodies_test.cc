#include "api/request_bodies.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "model/identifiers.h"

namespace ringside {
namespace {

constexpr std::string_view kOk;

class RequestBodiesTest : public ::testing::Test {
 protected:
  BodyParser parser_;
};

TEST_F(RequestBodiesTest, OperatorLaunchReadsItsFields) {
  OperatorLaunchBody b;
  ASSERT_EQ(
      read_operator_launch(
          parser_, R"({"playerId":"alice","gameSlug":"tlon-uqbar","lobbyUrl":"https://l/"})", &b),
      kOk);
  EXPECT_EQ(b.player_id, "alice");
  EXPECT_EQ(b.game_slug, "tlon-uqbar");
  EXPECT_EQ(b.lobby_url, "https://l/");
  ASSERT_EQ(read_operator_launch(parser_, R"({"playerId":"bob"})", &b), kOk);
  EXPECT_EQ(b.player_id, "bob");
  EXPECT_FALSE(b.game_slug);
  EXPECT_FALSE(b.lobby_url);
}

TEST_F(RequestBodiesTest, OperatorLaunchRefusesBadIdentifiersNamingTheField) {
  OperatorLaunchBody b;
  EXPECT_EQ(read_operator_launch(parser_, R"({"playerId":"alice\u0000evil"})", &b),
            kBadPlayerIdField);
  EXPECT_EQ(read_operator_launch(parser_, R"({"playerId":""})", &b), kBadPlayerIdField);
  EXPECT_EQ(read_operator_launch(parser_, R"({"gameSlug":"tlon-uqbar"})", &b), kBadPlayerIdField);
  EXPECT_EQ(read_operator_launch(parser_, R"({"playerId":"a","gameSlug":"Tlon"})", &b),
            kBadGameSlugField);
  EXPECT_EQ(read_operator_launch(parser_, R"({"playerId":"a","lobbyUrl":"javascript:x"})", &b),
            kBadLobbyUrlField);
  EXPECT_EQ(read_operator_launch(parser_, R"({"playerId":42})", &b),
            "Field 'playerId' must be a string.");
  EXPECT_EQ(read_operator_launch(parser_, "{", &b), "The body is not valid JSON.");
}

TEST_F(RequestBodiesTest, LaunchReadsSlugSlotAndFresh) {
  LaunchBody b;
  ASSERT_EQ(read_launch(parser_, R"({"gameSlug":"g","saveSlotId":"v1","fresh":true})", &b), kOk);
  EXPECT_EQ(b.game_slug, "g");
  EXPECT_EQ(b.save_slot_id, "v1");
  EXPECT_TRUE(b.fresh);
  ASSERT_EQ(read_launch(parser_, "{}", &b), kOk);
  EXPECT_FALSE(b.game_slug);
  EXPECT_FALSE(b.save_slot_id);
  EXPECT_FALSE(b.fresh);
  EXPECT_EQ(read_launch(parser_, R"({"gameSlug":"../etc"})", &b), kBadGameSlugField);
  EXPECT_EQ(read_launch(parser_, R"({"fresh":"yes"})", &b), "Field 'fresh' must be a boolean.");
}

TEST_F(RequestBodiesTest, SessionBodyNeedsASessionId) {
  SessionBody b;
  ASSERT_EQ(
      read_session_body(parser_, R"({"sessionId":"s1","n":123456789012345678901234567890})", &b),
      kOk);
  EXPECT_EQ(b.session_id, "s1");
  EXPECT_EQ(read_session_body(parser_, "{}", &b), "Field 'sessionId' is required.");
}

}  // namespace
}  // namespace ringside

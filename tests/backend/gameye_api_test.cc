// The pure parts of the Gameye backend: ids, request bodies, answers and their meaning.
#include "backends/gameye/gameye_api.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "tools/gameye-standin/session_request.h"

namespace ringside {
namespace {

constexpr Id128 kSession{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

TEST(GameyeApi, SessionUuidIsAVersion4UuidFixedBySessionAndAttempt) {
  const std::string id = gameye_session_uuid(kSession, 0);
  EXPECT_EQ(id, "01234567-89ab-4def-bedc-ba9876543210");
  EXPECT_EQ(gameye_session_uuid(kSession, 0), id);  // a retry names the same session
  const std::string next = gameye_session_uuid(kSession, 1);
  EXPECT_EQ(next, "01234567-89ab-4def-bedc-ba9876543211");
  EXPECT_NE(gameye_session_uuid(Id128{kSession.hi, kSession.lo + 2}, 0), id);
  // Version and variant bits hold whatever the random bits were.
  const std::string ones = gameye_session_uuid(Id128{~0ULL, ~0ULL}, 0);
  EXPECT_EQ(ones, "ffffffff-ffff-4fff-bfff-ffffffffffff");
  EXPECT_EQ(gameye_session_uuid(Id128{0, 0}, 0), "00000000-0000-4000-8000-000000000000");
}

TEST(GameyeApi, ImageTagIsSplitOffAfterTheLastSlash) {
  EXPECT_EQ(split_image_tag("game:1.2"),
            std::make_pair(std::string_view("game"), std::string_view("1.2")));
  EXPECT_EQ(split_image_tag("reg.example:5000/team/game"),
            std::make_pair(std::string_view("reg.example:5000/team/game"), std::string_view()));
  EXPECT_EQ(split_image_tag("reg.example:5000/game:v2").second, "v2");
  EXPECT_EQ(split_image_tag("nginx").second, "");
}

// Gameye's SessionRun schema (OpenAPI 1.2.1) has additionalProperties: false and types every
// property; seed 002 requires id, location, image, env, args and restart. The stand-in's
// validator holds a body to both, as a validating Gameye would (422 otherwise).
TEST(GameyeApi, LaunchBodyIsValidAgainstSessionRunAndSeed002) {
  LaunchFields f;
  f.id = "01234567-89ab-4def-bedc-ba9876543210";
  f.location = "europe";
  f.image = "game";
  f.version = "1.2";
  f.env = {{"RINGSIDE_SAVE_SLOT", "v00abc"}};
  f.labels = {{kSessionLabel, "s00xyz"}, {kGameLabel, "tlon \"uqbar\""}};
  const std::string body = launch_body(f);
  gameye_standin::SessionRequest accepted;
  const std::vector<gameye_standin::Violation> violations =
      gameye_standin::parse_session_request(body, &accepted);
  for (const gameye_standin::Violation& v : violations) {
    ADD_FAILURE() << v.field << " " << v.description << " in " << body;
  }
  simdjson::dom::parser parser;
  simdjson::dom::object root;
  ASSERT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  EXPECT_EQ(root.size(), 8u) << body;  // id location image version env args restart labels
  EXPECT_EQ(root["enableMetrics"].error(), simdjson::NO_SUCH_FIELD) << body;
  EXPECT_EQ(std::string_view(root["id"]), f.id);
  EXPECT_EQ(std::string_view(root["location"]), "europe");
  EXPECT_EQ(std::string_view(root["image"]), "game");
  EXPECT_EQ(std::string_view(root["version"]), "1.2");
  EXPECT_EQ(std::string_view(root["env"]["RINGSIDE_SAVE_SLOT"]), "v00abc");
  EXPECT_EQ(simdjson::dom::array(root["args"]).size(), 0u);
  EXPECT_FALSE(bool(root["restart"]));
  EXPECT_EQ(std::string_view(root["labels"]["ringside.session"]), "s00xyz");
  EXPECT_EQ(std::string_view(root["labels"]["ringside.game"]), "tlon \"uqbar\"");

  f.version = {};
  EXPECT_EQ(launch_body(f).find("\"version\""), std::string::npos);
  EXPECT_TRUE(gameye_standin::parse_session_request(launch_body(f), &accepted).empty());
}

TEST(GameyeApi, EveryStatusHasItsMeaning) {
  EXPECT_EQ(classify_launch(200), LaunchAnswer::kStarted);
  EXPECT_EQ(classify_launch(201), LaunchAnswer::kStarted);  // API v2 says 201
  EXPECT_EQ(classify_launch(401), LaunchAnswer::kUnauthorized);
  EXPECT_EQ(classify_launch(404), LaunchAnswer::kNotFound);
  EXPECT_EQ(classify_launch(409), LaunchAnswer::kIdTaken);
  EXPECT_EQ(classify_launch(420), LaunchAnswer::kFailed);
  EXPECT_EQ(classify_launch(422), LaunchAnswer::kRefused);
  EXPECT_EQ(classify_launch(0), LaunchAnswer::kTransient);
  EXPECT_EQ(classify_launch(429), LaunchAnswer::kTransient);
  EXPECT_EQ(classify_launch(500), LaunchAnswer::kTransient);
  EXPECT_EQ(classify_launch(503), LaunchAnswer::kTransient);
  EXPECT_EQ(classify_launch(403), LaunchAnswer::kRejected);
  EXPECT_EQ(classify_launch(400), LaunchAnswer::kRejected);
}

TEST(GameyeApi, ParsesTheLaunchAnswerAndListings) {
  const std::optional<Endpoint> e = parse_launch_answer(
      R"({"id":"x","host":"10.0.0.7","ports":[{"type":"tcp","container":80,"host":20001}]})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->host, "10.0.0.7");
  EXPECT_EQ(e->port, 20001);
  EXPECT_FALSE(parse_launch_answer("{}"));
  EXPECT_FALSE(parse_launch_answer("not json"));

  const auto list = parse_session_list(
      R"({"sessions":[{"id":"a","status":"running","host":"h","port":{"80/tcp":20005},)"
      R"("labels":{"ringside.session":"s1"}},{"id":"b","status":"dead","labels":{}}]})");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].session_label, "s1");
  EXPECT_EQ((*list)[0].endpoint.port, 20005);
  EXPECT_EQ((*list)[1].session_label, "");
  EXPECT_TRUE(gameye_status_live((*list)[0].status));
  EXPECT_FALSE(gameye_status_live((*list)[1].status));
  EXPECT_TRUE(gameye_status_live("created"));
  EXPECT_FALSE(gameye_status_live("exited"));
  // A machine Gameye cannot reach still runs the session (live), but players cannot reach it.
  EXPECT_TRUE(gameye_status_live("server_unreachable"));
  EXPECT_FALSE(gameye_status_serving("server_unreachable"));
  EXPECT_FALSE(gameye_status_serving("dead"));
  EXPECT_TRUE(gameye_status_serving("running"));
  EXPECT_TRUE(gameye_status_serving("created"));
  EXPECT_FALSE(parse_session_list(R"({"items":[]})"));

  const auto one = parse_described_session(
      R"({"id":"a","status":"created","labels":{"ringside.session":"s1"},"players":{}})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, "created");
  EXPECT_EQ(first_violation(R"({"violations":[{"field":"args","description":"x"}]})"), "args");
  EXPECT_EQ(first_violation(R"({"statusCode":422})"), "");
}

// Gameye's own examples (legacy listing, SessionListEntry and DescribedSession in OpenAPI
// 1.2.1) show labels as {"env": "<JSON text>", "tags": "<JSON text of the labels>"}; SessionRun
// and the stand-in's flat shape show the map sent. The ringside.session and ringside.player
// labels are read from both.
TEST(GameyeApi, SessionAndPlayerLabelsAreReadFromEitherLabelShape) {
  const auto list = parse_session_list(
      R"({"sessions":[{"id":"a","status":"running","labels":{"env":"{\"GAMEYE_HOST\":\"h\"}",)"
      R"("tags":"{\"ringside.fleet\":\"f\",\"ringside.session\":\"s1\",\"ringside.player\":\"p1\"}"}},)"
      R"({"id":"b","status":"running","labels":{"ringside.session":"s2","ringside.player":"p2"}},)"
      R"({"id":"c","status":"running","labels":{"env":"{}","tags":"not json"}},)"
      R"({"id":"d","status":"running","labels":{"tags":"{\"other\":\"x\"}"}},)"
      R"({"id":"e","status":"running","labels":{"ringside.player":"p5"}}]})");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 5u);
  EXPECT_EQ((*list)[0].session_label, "s1");
  EXPECT_EQ((*list)[0].player_label, "p1");
  EXPECT_EQ((*list)[1].session_label, "s2");
  EXPECT_EQ((*list)[1].player_label, "p2");
  EXPECT_EQ((*list)[2].session_label, "");
  EXPECT_EQ((*list)[2].player_label, "");
  EXPECT_EQ((*list)[3].session_label, "");
  EXPECT_EQ((*list)[3].player_label, "");
  EXPECT_EQ((*list)[4].session_label, "");
  EXPECT_EQ((*list)[4].player_label, "p5");
  const auto one =
      parse_described_session(R"({"id":"a","status":"created","labels":{"env":"{}","tags":)"
                              R"("{\"ringside.session\":\"s9\",\"ringside.player\":\"p9\"}"},)"
                              R"("players":{"joined":[],"joinedCount":0}})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->session_label, "s9");
  EXPECT_EQ(one->player_label, "p9");
}

TEST(GameyeApi, FleetListingAsksForEveryStatusAndEncodesTheFilter) {
  EXPECT_EQ(fleet_listing_path("prod eu"),
            "/session?all=true&filter%5Bringside.fleet%5D=prod%20eu");
}

TEST(GameyeApi, RetryDelaysGrowToTheCapWithBoundedJitter) {
  for (uint64_t r : {0ULL, 1ULL, 77ULL, ~0ULL}) {
    const uint32_t first = retry_delay_ms(1, 200, 5000, r);
    EXPECT_GE(first, 100u);
    EXPECT_LE(first, 200u);
    const uint32_t third = retry_delay_ms(3, 200, 5000, r);
    EXPECT_GE(third, 400u);
    EXPECT_LE(third, 800u);
    const uint32_t late = retry_delay_ms(30, 200, 5000, r);
    EXPECT_GE(late, 2500u);
    EXPECT_LE(late, 5000u);
  }
  std::set<uint32_t> seen;
  for (uint64_t r = 0; r < 50; ++r) seen.insert(retry_delay_ms(4, 200, 5000, r * 7919));
  EXPECT_GT(seen.size(), 10u);  // jittered, not one fixed delay
}

}  // namespace
}  // namespace ringside

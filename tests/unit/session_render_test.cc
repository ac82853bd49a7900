#include "api/session_render.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/ids.h"

namespace ringside {
namespace {

struct SessionRenderTest : ::testing::Test {
  Catalog catalog = Catalog::demo();
  std::vector<GameServerInfo> servers{GameServerInfo{"s0", "http://10.0.0.1:8443"},
                                      GameServerInfo{"s1", "http://10.0.0.2:8443"}};
  SessionUrls urls;
  SessionRenderContext context{catalog, servers, urls};
  ByteBuffer out;
  ByteBuffer url_scratch;
  GameSession s;

  SessionRenderTest() {
    s.id = random_id128();
    s.owner = IdOwner::partition(7);
    s.server = 1;
    s.started_ms = 1'741'515'300'000;
  }

  std::string status() {
    out.clear();
    JsonWriter w(out);
    w.begin_object();
    render_status_fields(w, s, context, url_scratch);
    w.end_object();
    return std::string(out.view());
  }
  std::string id_text() const { return id_to_string(IdKind::kSession, s.owner, s.id); }
};

TEST_F(SessionRenderTest, ARunningSessionShowsItsServersUrlsUnlessItHasItsOwn) {
  s.status = SessionStatus::kRunning;
  const std::string mine = status();
  EXPECT_NE(mine.find(R"("sessionId":")" + id_text() + '"'), std::string::npos) << mine;
  EXPECT_NE(mine.find(R"("serverUrl":"http://10.0.0.2:8443")"), std::string::npos) << mine;
  EXPECT_NE(mine.find(R"("containerUrl":"http://10.0.0.2:8443/session/)" + id_text() + "/\""),
            std::string::npos)
      << mine;

  urls[s.id] = "https://eu.example.net:4000";
  const std::string own = status();
  EXPECT_NE(own.find(R"("serverUrl":"https://eu.example.net:4000")"), std::string::npos) << own;
  EXPECT_NE(own.find(R"("containerUrl":"https://eu.example.net:4000/session/)" + id_text()),
            std::string::npos)
      << own;
}

TEST_F(SessionRenderTest, AStartingSessionHasNoUrlsAndShowsItsPhase) {
  s.phase = StartPhase::kPulling;
  const std::string json = status();
  EXPECT_NE(json.find(R"("serverUrl":null,"containerUrl":null)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("gameTitle":")" + catalog.games()[0].title + '"'), std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("phase":"pulling")"), std::string::npos) << json;
  EXPECT_EQ(json.find("saveError"), std::string::npos) << json;
}

TEST_F(SessionRenderTest, AStopResultSaysWhatHappenedToTheSave) {
  s.status = SessionStatus::kStopped;
  s.save_error = SaveError::kTooLarge;
  render_stop_result(s, out);
  const std::string json(out.view());
  EXPECT_NE(json.find(R"("status":"stopped")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("saveError":{"code":")"), std::string::npos) << json;
}

}  // namespace
}  // namespace ringside

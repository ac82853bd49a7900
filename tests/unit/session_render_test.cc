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
  PlacementMetrics queue{2};
  Clock clock;
  SessionRenderContext context{catalog, servers, urls, queue, clock};
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

TEST_F(SessionRenderTest, AQueuedSessionShowsItsPositionAndEstimateFromThePublishedQueue) {
  s.phase = StartPhase::kQueued;
  s.queue_ticket = 12;
  queue.launches_queued.set(5);
  queue.queue_head_ticket.set(10);  // tickets 10, 11 ahead of it: third
  queue.queue_gap_ms.set(4000);     // one departure every 4 s, the last just now
  clock.mono_ms = 50'000;
  queue.queue_last_departure_ms.set(50'000);
  queue.start_ms.set(2000);
  const std::string json = status();
  // 3 departures * 4 s + a 2 s start
  EXPECT_NE(json.find(R"("phase":"queued","queuePosition":3,"estimatedStartSeconds":14)"),
            std::string::npos)
      << json;

  queue.queue_head_ticket.set(12);  // the two ahead left
  EXPECT_NE(status().find(R"("queuePosition":1,)"), std::string::npos) << status();
}

TEST_F(SessionRenderTest, OnlyAQueuedSessionShowsAQueuePosition) {
  s.phase = StartPhase::kPulling;
  EXPECT_EQ(status().find("queuePosition"), std::string::npos) << status();
  s.status = SessionStatus::kRunning;
  EXPECT_EQ(status().find("queuePosition"), std::string::npos) << status();
}

TEST_F(SessionRenderTest, ARunningSessionUnderALimitShowsWhenItEnds) {
  s.status = SessionStatus::kRunning;
  s.running_ms = 1'741'515'310'000;  // 2025-03-09T10:15:10Z
  EXPECT_EQ(status().find("endsAt"), std::string::npos) << "no limit, no endsAt";
  s.limit_s = 90;
  EXPECT_NE(status().find(R"("endsAt":"2025-03-09T10:16:40Z")"), std::string::npos) << status();
  s.status = SessionStatus::kStopping;
  EXPECT_EQ(status().find("endsAt"), std::string::npos) << "shown while running only";
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

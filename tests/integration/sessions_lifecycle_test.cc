// A session's life after its launch (SPEC: Sessions API; Resume, history, details;
// docs/decisions.md: Sessions): keepalive, stop (also while starting), idle reclaim, and what
// the list, current, history, details and save-slot endpoints show along the way.
#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <string>

#include "integration/api_client.h"
#include "integration/http_expect.h"
#include "integration/sessions_fixture.h"

namespace ringside::itest {
namespace {

using SessionsLifecycleTest = SessionsTest;

// The slot with this id among {"slots": [...]} (absent when missing).
Json slot_with_id(const Json& answer, std::string_view id) {
  Json slots = answer["slots"];
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots.at(i)["id"].str() == id) return slots.at(i);
  }
  return {};
}

std::string slot_of(ApiClient& api, std::string_view token, std::string_view session) {
  return json_of(api.details(token, session))["saveSlotId"].str();
}

TEST_F(SessionsLifecycleTest, KeepaliveAnswersOkWithTheNewExpiry) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  // Accepted while starting as well as while running.
  for (int i = 0; i < 2; ++i) {
    const time_t before = std::time(nullptr);
    auto r = api().keepalive(token, id);
    ASSERT_TRUE(has_status(r, 200));
    Json body = json_of(r);
    EXPECT_EQ(body["status"].str(), "ok") << describe(*r);
    ASSERT_TRUE(is_rfc3339_utc(body["expiresAt"]));
    // The default idle timeout is 30 minutes.
    const time_t expires = *parse_rfc3339_utc(body["expiresAt"].str());
    EXPECT_GE(expires, before + 1800 - 2) << describe(*r);
    EXPECT_LE(expires, std::time(nullptr) + 1800 + 2) << describe(*r);
    ASSERT_EQ(api().wait_while_starting(token, id)["status"].str(), "running");
  }
}

TEST_F(SessionsLifecycleTest, KeepaliveOfAnEndedSessionIs404) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  api().stop_ok(token, id);
  EXPECT_TRUE(is_error(api().keepalive(token, id), 404, "not_found"));
}

TEST_F(SessionsLifecycleTest, StopAnswersTheFiguresAndTheSameAgain) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  sleep_ms(1200);  // long enough for a whole second of duration

  auto r = api().stop(token, id);
  ASSERT_TRUE(has_status(r, 200));
  Json first = json_of(r);
  EXPECT_EQ(first["status"].str(), "stopped") << describe(*r);
  ASSERT_TRUE(first["duration"].integer()) << describe(*r);
  EXPECT_GE(*first["duration"].integer(), 1) << describe(*r);
  EXPECT_LE(*first["duration"].integer(), 10) << describe(*r);
  ASSERT_TRUE(first["cpuSeconds"].number()) << describe(*r);
  EXPECT_GT(*first["cpuSeconds"].number(), 0) << describe(*r);
  ASSERT_TRUE(first["peakMemoryMb"].number()) << describe(*r);
  EXPECT_GT(*first["peakMemoryMb"].number(), 0) << describe(*r);

  sleep_ms(1100);  // a stop answered from a clock would now show another duration
  auto again = api().stop(token, id);
  ASSERT_TRUE(has_status(again, 200));
  EXPECT_EQ(json_of(again).text(), first.text());
  EXPECT_EQ(json_of(api().status(token, id))["status"].str(), "stopped");
}

TEST_F(SessionsLifecycleTest, DurationCountsFromRunningNotFromTheLaunch) {
  // A pull of 2.5 s before it runs: not play, not billed (docs/decisions.md: Sessions).
  ASSERT_TRUE(start({"--sim-cached-images", "none", "--sim-pull-ms", "2500"}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(json_of(api().details(token, id))["duration"].integer(), 0);

  Json stopped = api().stop_ok(token, id);
  EXPECT_EQ(stopped["duration"].integer(), 0) << stopped.text();
  Json history = json_of(api().history(token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["duration"].integer(), 0) << history.text();
  // Launch to end took the pull and more: the times shown still say when it began and ended.
  const time_t started = *parse_rfc3339_utc(history.at(0)["startedAt"].str());
  const time_t ended = *parse_rfc3339_utc(history.at(0)["endedAt"].str());
  EXPECT_GE(ended - started, 2) << history.text();
}

TEST_F(SessionsLifecycleTest, StopWhileStartingCancelsAndFreesTheCapacity) {
  ASSERT_TRUE(start({"--sim-cached-images", "none", "--sim-pull-ms", "1500", "--sim-servers", "1",
                     "--sim-slots-per-server", "1"}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  for (int i = 0; i < 200 && json_of(api().status(token, id))["phase"].str() != "pulling"; ++i) {
    sleep_ms(5);
  }
  ASSERT_EQ(json_of(api().status(token, id))["phase"].str(), "pulling");

  auto r = api().stop(token, id);
  ASSERT_TRUE(has_status(r, 200));
  Json stopped = json_of(r);
  EXPECT_EQ(stopped["status"].str(), "stopped") << describe(*r);
  // Cancelled before it ran: true zeros (docs/decisions.md: Unknown figures), no time played.
  EXPECT_EQ(stopped["cpuSeconds"].number(), 0.0) << describe(*r);
  EXPECT_EQ(stopped["peakMemoryMb"].number(), 0.0) << describe(*r);
  EXPECT_EQ(stopped["duration"].integer(), 0) << describe(*r);

  // Past the time its pull would have taken, it still never ran.
  for (int i = 0; i < 20; ++i) {
    Json s = json_of(api().status(token, id));
    ASSERT_EQ(s["status"].str(), "stopped") << s.text();
    EXPECT_TRUE(s["serverUrl"].is_null()) << s.text();
    sleep_ms(100);
  }
  EXPECT_EQ(json_of(api().current(token))["active"].boolean(), false);
  EXPECT_EQ(json_of(api().history(token)).at(0)["endReason"].str(), "stopped");

  // The only slot is free again: a new launch is placed (it pulls) instead of queueing.
  const std::string next = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(next.empty());
  std::string phase;
  for (int i = 0; i < 200; ++i) {
    phase = json_of(api().status(token, next))["phase"].str();
    if (phase != "queued") break;
    sleep_ms(5);
  }
  EXPECT_TRUE(phase == "pulling" || phase == "creating") << phase;
}

TEST_F(SessionsLifecycleTest, SessionsListAndCurrentShowTheActiveSession) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  auto empty = api().sessions(token);
  ASSERT_TRUE(has_status(empty, 200));
  EXPECT_TRUE(json_of(empty)["sessions"].is_array()) << describe(*empty);
  EXPECT_EQ(json_of(empty)["sessions"].size(), 0u);
  auto none = api().current(token);
  ASSERT_TRUE(has_status(none, 200));
  EXPECT_EQ(json_of(none)["active"].boolean(), false) << describe(*none);

  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  Json list = json_of(api().sessions(token))["sessions"];
  ASSERT_EQ(list.size(), 1u) << list.text();
  Json entry = list.at(0);
  EXPECT_EQ(entry["sessionId"].str(), id);
  EXPECT_EQ(entry["gameSlug"].str(), kGame);
  EXPECT_EQ(entry["gameTitle"].str(), kGameTitle);
  EXPECT_EQ(entry["status"].str(), "running");
  EXPECT_TRUE(is_rfc3339_utc(entry["startedAt"]));

  Json current = json_of(api().current(token));
  EXPECT_EQ(current["active"].boolean(), true) << current.text();
  Json session = current["session"];
  EXPECT_EQ(session["sessionId"].str(), id) << current.text();
  EXPECT_EQ(session["status"].str(), "running") << current.text();
  EXPECT_EQ(session["gameTitle"].str(), kGameTitle) << current.text();
  EXPECT_EQ(session["containerUrl"].str(), session["serverUrl"].str() + "/session/" + id + "/");
  EXPECT_EQ(session["startedAt"].str(), entry["startedAt"].str());

  api().stop_ok(token, id);
  EXPECT_EQ(json_of(api().sessions(token))["sessions"].size(), 0u);
  Json after = json_of(api().current(token));
  EXPECT_EQ(after["active"].boolean(), false) << after.text();
  EXPECT_FALSE(after["session"].exists()) << after.text();
}

TEST_F(SessionsLifecycleTest, HistoryIsNewestFirstAndHonoursItsLimit) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  auto empty = api().history(token);
  ASSERT_TRUE(has_status(empty, 200));
  EXPECT_TRUE(json_of(empty).is_array()) << describe(*empty);
  EXPECT_EQ(json_of(empty).size(), 0u);

  const std::string older = api().launch_running(token, game_body(kGame));
  Json older_stop = api().stop_ok(token, older);
  const std::string newer = api().launch_running(token, game_body(kOtherGame));
  Json newer_stop = api().stop_ok(token, newer);
  ASSERT_FALSE(older.empty());
  ASSERT_FALSE(newer.empty());

  Json history = json_of(api().history(token));
  ASSERT_EQ(history.size(), 2u) << history.text();
  EXPECT_EQ(history.at(0)["sessionId"].str(), newer);
  EXPECT_EQ(history.at(1)["sessionId"].str(), older);
  Json entry = history.at(0);
  EXPECT_EQ(entry["gameSlug"].str(), kOtherGame);
  EXPECT_TRUE(is_rfc3339_utc(entry["startedAt"]));
  EXPECT_TRUE(is_rfc3339_utc(entry["endedAt"]));
  EXPECT_LE(entry["startedAt"].str(), entry["endedAt"].str());
  EXPECT_LE(history.at(1)["endedAt"].str(), entry["startedAt"].str());
  EXPECT_EQ(entry["duration"].integer(), newer_stop["duration"].integer());
  EXPECT_EQ(entry["cpuSeconds"].number(), newer_stop["cpuSeconds"].number());
  EXPECT_EQ(entry["peakMemoryMb"].number(), newer_stop["peakMemoryMb"].number());
  EXPECT_EQ(entry["endReason"].str(), "stopped");
  EXPECT_EQ(history.at(1)["cpuSeconds"].number(), older_stop["cpuSeconds"].number());

  Json one = json_of(api().history(token, "limit=1"));
  ASSERT_EQ(one.size(), 1u) << one.text();
  EXPECT_EQ(one.at(0)["sessionId"].str(), newer);
  EXPECT_EQ(json_of(api().history(token, "limit=100")).size(), 2u);
  for (const char* query :
       {"limit=0", "limit=101", "limit=abc", "limit=", "limit=-1", "limit=1.5", "limit=%31x"}) {
    EXPECT_TRUE(is_error(api().history(token, query), 400, "invalid_request")) << query;
  }
}

TEST_F(SessionsLifecycleTest, DetailsShowEveryFieldWhileActiveAndEnded) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(has_status(api().keepalive(token, id), 200));

  auto r = api().details(token, id);
  ASSERT_TRUE(has_status(r, 200));
  Json active = json_of(r);
  const std::set<std::string> every_field = {
      "sessionId", "status",     "serverUrl",    "containerUrl",    "gameTitle",
      "startedAt", "gameSlug",   "saveSlotId",   "lastKeepaliveAt", "endedAt",
      "duration",  "cpuSeconds", "peakMemoryMb", "endReason"};
  for (const std::string& field : every_field) {
    EXPECT_TRUE(active[field].exists()) << field << " missing: " << active.text();
  }
  EXPECT_EQ(active["sessionId"].str(), id);
  EXPECT_EQ(active["status"].str(), "running");
  EXPECT_EQ(active["containerUrl"].str(), active["serverUrl"].str() + "/session/" + id + "/");
  EXPECT_EQ(active["gameTitle"].str(), kGameTitle);
  EXPECT_EQ(active["gameSlug"].str(), kGame);
  EXPECT_FALSE(active["saveSlotId"].str().empty());
  EXPECT_TRUE(is_rfc3339_utc(active["startedAt"]));
  EXPECT_TRUE(is_rfc3339_utc(active["lastKeepaliveAt"]));
  EXPECT_TRUE(is_rfc3339_utc(active["expiresAt"]));
  EXPECT_TRUE(active["endedAt"].is_null()) << active.text();
  EXPECT_TRUE(active["duration"].integer()) << active.text();
  EXPECT_TRUE(active["cpuSeconds"].is_null()) << active.text();
  EXPECT_TRUE(active["peakMemoryMb"].is_null()) << active.text();
  EXPECT_TRUE(active["endReason"].is_null()) << active.text();

  Json stop = api().stop_ok(token, id);
  Json ended = json_of(api().details(token, id));
  for (const std::string& field : every_field) {
    EXPECT_TRUE(ended[field].exists()) << field << " missing: " << ended.text();
  }
  EXPECT_EQ(ended["status"].str(), "stopped");
  EXPECT_TRUE(ended["serverUrl"].is_null()) << ended.text();
  EXPECT_TRUE(ended["containerUrl"].is_null()) << ended.text();
  EXPECT_EQ(ended["saveSlotId"].str(), active["saveSlotId"].str());
  EXPECT_EQ(ended["startedAt"].str(), active["startedAt"].str());
  EXPECT_TRUE(is_rfc3339_utc(ended["endedAt"]));
  EXPECT_EQ(ended["duration"].integer(), stop["duration"].integer());
  EXPECT_EQ(ended["cpuSeconds"].number(), stop["cpuSeconds"].number());
  EXPECT_EQ(ended["peakMemoryMb"].number(), stop["peakMemoryMb"].number());
  EXPECT_EQ(ended["endReason"].str(), "stopped");
}

TEST_F(SessionsLifecycleTest, SaveSlotsGrowOnStopAndFreshMakesANewOne) {
  ASSERT_TRUE(start());
  const std::string token = api().token_for("alice");
  auto none = api().save_slots(token);
  ASSERT_TRUE(has_status(none, 200));
  EXPECT_TRUE(json_of(none)["slots"].is_array()) << describe(*none);
  EXPECT_EQ(json_of(none)["slots"].size(), 0u);

  const std::string first_session = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(first_session.empty());
  const std::string first_slot = slot_of(api(), token, first_session);
  api().stop_ok(token, first_session);
  Json slots = json_of(api().save_slots(token, "gameSlug=tlon-uqbar"));
  ASSERT_EQ(slots["slots"].size(), 1u) << slots.text();
  Json slot = slot_with_id(slots, first_slot);
  EXPECT_EQ(slot["gameSlug"].str(), kGame) << slots.text();
  EXPECT_TRUE(is_rfc3339_utc(slot["createdAt"]));
  EXPECT_TRUE(is_rfc3339_utc(slot["updatedAt"]));
  EXPECT_LE(slot["createdAt"].str(), slot["updatedAt"].str());
  const int64_t size_after_one = slot["sizeBytes"].integer().value_or(0);
  EXPECT_GT(size_after_one, 0) << slots.text();

  // Neither saveSlotId nor fresh: the most recently used slot continues, and grows.
  const std::string second_session = api().launch_running(token, game_body(kGame));
  EXPECT_EQ(slot_of(api(), token, second_session), first_slot);
  api().stop_ok(token, second_session);
  const int64_t size_after_two =
      slot_with_id(json_of(api().save_slots(token)), first_slot)["sizeBytes"].integer().value_or(0);
  EXPECT_GT(size_after_two, size_after_one);

  // fresh: a second, new slot.
  const std::string fresh_session =
      api().launch_running(token, R"({"gameSlug":"tlon-uqbar","fresh":true})");
  const std::string fresh_slot = slot_of(api(), token, fresh_session);
  EXPECT_FALSE(fresh_slot.empty());
  EXPECT_NE(fresh_slot, first_slot);
  api().stop_ok(token, fresh_session);
  slots = json_of(api().save_slots(token, "gameSlug=tlon-uqbar"));
  EXPECT_EQ(slots["slots"].size(), 2u) << slots.text();
  EXPECT_GT(slot_with_id(slots, fresh_slot)["sizeBytes"].integer().value_or(0), 0);

  // saveSlotId: that slot continues, although the fresh one was used last.
  const std::string continued = api().launch_running(
      token, R"({"gameSlug":"tlon-uqbar","saveSlotId":")" + first_slot + R"("})");
  EXPECT_EQ(slot_of(api(), token, continued), first_slot);
  api().stop_ok(token, continued);
  EXPECT_GT(
      slot_with_id(json_of(api().save_slots(token)), first_slot)["sizeBytes"].integer().value_or(0),
      size_after_two);

  // Filtered by game; an unknown game is 404.
  EXPECT_EQ(json_of(api().save_slots(token, "gameSlug=library-of-babel"))["slots"].size(), 0u);
  EXPECT_TRUE(is_error(api().save_slots(token, "gameSlug=pong"), 404, "not_found"));
}

TEST_F(SessionsLifecycleTest, IdleSessionIsReclaimedWhileAKeptAliveOneSurvives) {
  ASSERT_TRUE(start({"--session-idle-timeout", "1"}));
  const std::string idle_token = api().token_for("idle-player");
  const std::string kept_token = api().token_for("kept-player");
  const std::string idle = api().launch_running(idle_token, game_body(kGame));
  const std::string kept = api().launch_running(kept_token, game_body(kGame));
  ASSERT_FALSE(idle.empty());
  ASSERT_FALSE(kept.empty());

  for (int i = 0; i < 7; ++i) {
    sleep_ms(300);
    ASSERT_TRUE(has_status(api().keepalive(kept_token, kept), 200)) << "after " << (i + 1) * 300;
  }
  Json kept_status = json_of(api().status(kept_token, kept));
  EXPECT_EQ(kept_status["status"].str(), "running") << kept_status.text();

  Json idle_status = json_of(api().status(idle_token, idle));
  EXPECT_EQ(idle_status["status"].str(), "stopped") << idle_status.text();
  Json history = json_of(api().history(idle_token));
  ASSERT_EQ(history.size(), 1u) << history.text();
  EXPECT_EQ(history.at(0)["sessionId"].str(), idle);
  EXPECT_EQ(history.at(0)["endReason"].str(), "idle_timeout");
  EXPECT_EQ(json_of(api().current(idle_token))["active"].boolean(), false);
  EXPECT_TRUE(is_error(api().keepalive(idle_token, idle), 404, "not_found"));

  api().stop_ok(kept_token, kept);
  EXPECT_EQ(json_of(api().history(kept_token)).at(0)["endReason"].str(), "stopped");
}

}  // namespace
}  // namespace ringside::itest

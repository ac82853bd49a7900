// The Gameye backend against the stand-in: every answer's meaning, retries under the same id,
// failed starts moved to the next location, stops while starting, and reconciliation by a
// fresh backend instance.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <string>
#include <vector>

#include "backend/gameye_fixture.h"

namespace ringside::gameye_test {
namespace {

bool unknown(double figure) { return std::isnan(figure); }

TEST_F(GameyeBackendTest, LaunchRunsWithItsLabelsAndStopDeletesIt) {
  ASSERT_TRUE(start_standin());
  auto backend = make(options());
  TestSession s;
  backend->start(s.spec());
  EXPECT_TRUE(events_.has_phase(s.id, StartPhase::kCreating));  // reported from start()
  EXPECT_FALSE(events_.settled(s.id));                          // the answer comes later
  ASSERT_TRUE(settle(s));
  ASSERT_TRUE(events_.has_running(s.id));
  const std::optional<Endpoint> at = backend->endpoint(s.id);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->host, "127.0.0.1");
  EXPECT_GE(at->port, 20000);

  // Gameye runs it under the derived UUID, in the chosen location, with ringside's labels.
  simdjson::dom::element listed = get("/session/" + s.uuid());
  EXPECT_EQ(std::string_view(listed["location"]), "europe");
  EXPECT_EQ(std::string_view(listed["image"]), "nginx");
  EXPECT_EQ(std::string_view(listed["tag"]), "1.27");
  simdjson::dom::element labels = labels_of(listed);
  EXPECT_EQ(std::string_view(labels["ringside.session"]), s.text);
  EXPECT_EQ(std::string_view(labels["ringside.player"]), "player-1");
  EXPECT_EQ(std::string_view(labels["ringside.game"]), "tlon-uqbar");
  EXPECT_EQ(std::string_view(labels["ringside.fleet"]), "ringside");
  EXPECT_EQ(posts("422"), 0u);  // the body holds to SessionRun

  backend->stop(s.id);
  EXPECT_FALSE(events_.stopped(s.id));  // never from inside stop()
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  const SessionFigures figures = *events_.stopped(s.id);
  EXPECT_TRUE(unknown(figures.cpu_seconds));  // Gameye has no per-session figures
  EXPECT_TRUE(unknown(figures.peak_memory_mb));
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(sessions("live"), 0u);
  EXPECT_EQ(backend->session_count(), 0u);
}

TEST_F(GameyeBackendTest, UnauthorizedFailsOnceAndMarksTheLocationDown) {
  ASSERT_TRUE(start_standin());
  auto backend = make(options("not-the-token"));
  TestSession first, second;
  backend->start(first.spec());
  ASSERT_TRUE(settle(first));
  EXPECT_EQ(events_.start_failed(first.id), SessionError::kBackendUnavailable);
  EXPECT_EQ(events_.server_up(0), false);
  // No retry storm: the next launch there fails without asking Gameye.
  backend->start(second.spec());
  ASSERT_TRUE(settle(second));
  EXPECT_EQ(events_.start_failed(second.id), SessionError::kBackendUnavailable);
  EXPECT_EQ(posts("401"), 1u);
  EXPECT_EQ(sessions("live"), 0u);
}

TEST_F(GameyeBackendTest, UnknownImageIsImageNotFound) {
  ASSERT_TRUE(start_standin({"--images", "nginx"}));
  auto backend = make(options());
  TestSession s;
  s.image = "no-such-game:1";
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kImageNotFound);
  EXPECT_EQ(posts("404"), 1u);
}

TEST_F(GameyeBackendTest, RefusedRequestFailsWithoutRetry) {
  ASSERT_TRUE(start_standin());
  auto backend = make(options());
  TestSession s;
  s.image = "";  // Gameye wants a non-empty image: 422 naming the field
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kStartFailed);
  EXPECT_EQ(posts("422"), 1u);
}

// 420: "can not be started in the provided location currently". The next attempt goes to the
// next location, under the next id (Gameye never reuses one); placement hears of the move.
TEST_F(GameyeBackendTest, FailedStartMovesToTheNextLocationUnderTheNextId) {
  ASSERT_TRUE(start_standin({"--full-locations", "europe"}));
  auto backend = make(options());
  TestSession s;
  backend->start(s.spec());  // placed in europe
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id)) << events_.describe();
  EXPECT_EQ(events_.relocations(s.id), std::vector<uint32_t>{1});  // us-east
  EXPECT_EQ(posts("420"), 1u);
  EXPECT_EQ(posts("200"), 1u);
  EXPECT_EQ(location_at_gameye(s.uuid(0)), "europe");
  EXPECT_EQ(status_of(s.uuid(0)), "dead");
  EXPECT_EQ(location_at_gameye(s.uuid(1)), "us-east");
  EXPECT_EQ(status_of(s.uuid(1)), "running");
  EXPECT_EQ(sessions("live"), 1u);
  // It stops where it runs.
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  EXPECT_EQ(status_of(s.uuid(1)), "exited");
}

// A location holding as many of ringside's sessions as its slots is passed over: the
// scheduler would not place there either.
TEST_F(GameyeBackendTest, FailedStartPassesOverALocationWithoutRoom) {
  ASSERT_TRUE(start_standin({"--locations", "europe,us-east,asia", "--full-locations", "europe"}));
  GameyeOptions o = options();
  o.locations = {"europe", "us-east", "asia"};
  auto backend = make(o, /*slots=*/1);
  TestSession in_us_east, s;
  PlacedSession first = in_us_east.spec();
  first.server = 1;
  backend->start(first);
  ASSERT_TRUE(settle(in_us_east));
  ASSERT_TRUE(events_.has_running(in_us_east.id));
  backend->start(s.spec());  // europe refuses; us-east is full
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id)) << events_.describe();
  EXPECT_EQ(events_.relocations(s.id), std::vector<uint32_t>{2});
  EXPECT_EQ(location_at_gameye(s.uuid(1)), "asia");
  EXPECT_EQ(posts("200"), 2u);
  EXPECT_EQ(posts("420"), 1u);
}

// Each location is asked once, in configured order after the refusing one (wrapping around):
// when all refuse, the player sees no_servers ("No game server can take the session now").
TEST_F(GameyeBackendTest, WhenEveryLocationRefusesTheLaunchEndsNoServers) {
  ASSERT_TRUE(start_standin(
      {"--locations", "europe,us-east,asia", "--full-locations", "europe,us-east,asia"}));
  GameyeOptions o = options();
  o.locations = {"europe", "us-east", "asia"};
  auto backend = make(o);
  TestSession s;
  PlacedSession spec = s.spec();
  spec.server = 1;  // placed in us-east
  backend->start(spec);
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kNoServers);
  EXPECT_EQ(events_.relocations(s.id), (std::vector<uint32_t>{2, 0}));
  EXPECT_EQ(posts("420"), 3u);
  EXPECT_EQ(location_at_gameye(s.uuid(0)), "us-east");
  EXPECT_EQ(location_at_gameye(s.uuid(1)), "asia");
  EXPECT_EQ(location_at_gameye(s.uuid(2)), "europe");
  EXPECT_EQ(launches_of(s.uuid(3)), 0u);
  EXPECT_EQ(sessions("live"), 0u);
  EXPECT_EQ(backend->session_count(), 0u);
}

// With one location there is nowhere else to go: the launch ends at the first 420.
TEST_F(GameyeBackendTest, WithOneLocationAFailedStartEndsTheLaunch) {
  ASSERT_TRUE(start_standin({"--full-locations", "europe"}));
  GameyeOptions o = options();
  o.locations = {"europe"};
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kNoServers);
  EXPECT_EQ(posts("420"), 1u);
  EXPECT_TRUE(events_.relocations(s.id).empty());
  EXPECT_EQ(launches_of(s.uuid(1)), 0u);
}

TEST_F(GameyeBackendTest, ServerErrorsAreRetriedUnderTheSameId) {
  ASSERT_TRUE(start_standin({"--unavailable-first", "2"}));
  auto backend = make(options());
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id));
  EXPECT_EQ(posts("503"), 2u);
  EXPECT_EQ(launches_of(s.uuid()), 3u);
  EXPECT_EQ(sessions("live"), 1u);
}

TEST_F(GameyeBackendTest, RetriesAreBounded) {
  ASSERT_TRUE(start_standin({"--unavailable-first", "100"}));
  GameyeOptions o = options();
  o.retries = 2;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_EQ(events_.start_failed(s.id), SessionError::kStartFailed);
  EXPECT_EQ(launches_of(s.uuid()), 3u);  // the first try and two retries
}

TEST_F(GameyeBackendTest, TimeoutMidLaunchThenRetryYieldsOneSession) {
  ASSERT_TRUE(start_standin({"--hang-first", "1"}));
  GameyeOptions o = options();
  o.timeout_ms = 300;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id));
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, s.id), 1u);
  EXPECT_EQ(posts("hung"), 1u);
  EXPECT_EQ(posts("409"), 1u);  // the retry found its own session
  EXPECT_EQ(launches_of(s.uuid()), 2u);
  EXPECT_EQ(sessions("live"), 1u);
  ASSERT_TRUE(backend->endpoint(s.id));
  EXPECT_GE(backend->endpoint(s.id)->port, 20000);
}

TEST_F(GameyeBackendTest, StopWhileStartingDeletesAndNeverRuns) {
  ASSERT_TRUE(start_standin({"--start-delay-ms", "60000"}));
  auto backend = make(options());
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(eventually([&] { return sessions("starting") == 1; }));
  backend->stop(s.id);
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.stopped(s.id));
  EXPECT_FALSE(events_.has_running(s.id));
  EXPECT_EQ(events_.count(RecordedEvent::kStopped, s.id), 1u);
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(sessions("live"), 0u);
}

TEST_F(GameyeBackendTest, StopDuringBackoffCancelsTheRetries) {
  ASSERT_TRUE(start_standin({"--unavailable-first", "100"}));
  GameyeOptions o = options();
  o.retry_base_ms = 60000;  // the retry would wait a minute
  o.retry_cap_ms = 60000;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(eventually([&] { return posts("503") == 1; }));
  backend->stop(s.id);
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.stopped(s.id));
  EXPECT_EQ(deletes("404"), 1u);  // nothing there: fine
  EXPECT_EQ(launches_of(s.uuid()), 1u);
}

TEST_F(GameyeBackendTest, RecoverAdoptsKnownSessionsAndStopsOrphans) {
  ASSERT_TRUE(start_standin());
  TestSession kept, other_kept, orphan, vanished, cut_short, foreign;
  {
    auto before = make(options());
    for (const TestSession* s : {&kept, &other_kept, &orphan}) {
      before->start(s->spec());
      ASSERT_TRUE(settle(*s));
      ASSERT_TRUE(events_.has_running(s->id));
    }
  }  // ringside goes away; its sessions keep running at Gameye
  GameyeOptions foreign_options = options();
  foreign_options.fleet = "another-deployment";
  auto stranger = make(foreign_options);
  stranger->start(foreign.spec());
  ASSERT_TRUE(settle(foreign));
  ASSERT_EQ(sessions("running"), 4u);

  auto after = make(options());
  after->recover({kept.recovered(true), other_kept.recovered(false), vanished.recovered(true),
                  cut_short.recovered(false)});
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, kept.id), 1u);  // nothing from inside
  ASSERT_TRUE(driver_.run_until([&] {
    return events_.count(RecordedEvent::kRunning, kept.id) == 2 &&
           events_.count(RecordedEvent::kRunning, other_kept.id) == 2 &&
           events_.settled(vanished.id) && events_.settled(cut_short.id);
  }));
  EXPECT_EQ(events_.lost(vanished.id), SessionError::kContainerLost);
  EXPECT_EQ(events_.start_failed(cut_short.id), SessionError::kStartFailed);
  EXPECT_EQ(after->session_count(), 2u);
  ASSERT_TRUE(after->endpoint(kept.id));

  // The orphan goes; the other deployment's session stays.
  ASSERT_TRUE(eventually([&] { return sessions("running") == 3; }));
  simdjson::dom::element orphan_now = get("/session/" + orphan.uuid());
  EXPECT_EQ(std::string_view(orphan_now["status"]), "exited");
  simdjson::dom::element foreign_now = get("/session/" + foreign.uuid());
  EXPECT_EQ(std::string_view(foreign_now["status"]), "running");

  // Adopted sessions stop as any other.
  after->stop(kept.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(kept.id).has_value(); }));
  EXPECT_EQ(sessions("running"), 2u);
}

}  // namespace
}  // namespace ringside::gameye_test

// The Gameye backend against the Gameye stand-in (tools/gameye-standin) as a real process over
// real HTTP: every answer's meaning, retries under the same id, stops while starting,
// reconciliation by a fresh backend instance, and the periodic liveness check.
#include "backends/gameye/gameye_backend.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "integration/gameye_standin_process.h"

namespace ringside {
namespace {

constexpr std::string_view kToken = "gameye-test-token";

// A session's strings, kept alive for its StartSpec.
struct TestSession {
  Id128 id = random_id128();
  std::string text = id_to_string(IdKind::kSession, 0, id);
  std::string image = "nginx:1.27";
  std::string uuid(uint32_t attempt = 0) const { return gameye_session_uuid(id, attempt); }

  StartSpec spec() const {
    StartSpec s;
    s.session = id;
    s.session_id_text = text;
    s.player_id = "player-1";
    s.game_slug = "tlon-uqbar";
    s.image = image;
    s.save_dir = "/save";
    s.save_slot = Id128{1, 2};
    s.server = 0;
    return s;
  }
  // As placement hands it to recover(): a start cut short has no server in the store.
  RecoveredSession recovered(bool was_running) const {
    RecoveredSession r;
    r.session = id;
    r.session_id_text = text;
    r.player_id = "player-1";
    r.game_slug = "tlon-uqbar";
    r.save_dir = "/save";
    r.server = was_running ? 0 : kUnknownServer;
    r.was_running = was_running;
    return r;
  }
};

class GameyeBackendTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- events ----\n"
                << events_.describe() << "---- stand-in log ----\n"
                << standin_.log();
    }
  }

  ::testing::AssertionResult start_standin(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args = {"--token", std::string(kToken), "--locations",
                                     "europe,us-east"};
    args.insert(args.end(), extra.begin(), extra.end());
    return standin_.start(args);
  }

  GameyeOptions options(std::string_view token = kToken) const {
    GameyeOptions o;
    o.base_url = standin_.base_url();
    o.token = std::string(token);
    o.locations = {"europe", "us-east"};
    o.timeout_ms = 2000;
    o.retries = 3;
    o.retry_base_ms = 20;
    o.retry_cap_ms = 200;
    return o;
  }

  // One server per location, each with `slots` (--gameye-slots-per-location).
  std::unique_ptr<GameyeBackend> make(GameyeOptions o, uint32_t slots = 10) {
    std::vector<GameServerInfo> servers;
    for (const std::string& location : o.locations) {
      GameServerInfo s;
      s.name = location;
      s.url_base = o.base_url;
      s.slots = slots;
      servers.push_back(s);
    }
    Reactor& reactor = driver_.reactor();
    return std::make_unique<GameyeBackend>(
        std::move(servers), std::move(o), http_, reactor.timers(),
        [&reactor] { return reactor.now_ms(); }, events_, metrics_);
  }

  // run_until() for conditions that ask the stand-in: get() turns the loop itself, and
  // run_until() does not nest.
  bool eventually(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      driver_.run_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  bool settle(const TestSession& s) {
    return driver_.run_until([&] { return events_.settled(s.id); });
  }

  // GET target on the stand-in; the parsed body (kept in parser_) or a null element.
  simdjson::dom::element get(const std::string& target) {
    HttpRequest r;
    r.url = standin_.base_url() + target;
    r.headers = {"Authorization: Bearer " + std::string(kToken)};
    bool done = false;
    http_.send(std::move(r), [&](HttpResponse&& response) {
      body_ = std::move(response.body);
      done = true;
    });
    EXPECT_TRUE(driver_.run_until([&] { return done; }));
    simdjson::dom::element root;
    if (parser_.parse(body_).get(root) != simdjson::SUCCESS) ADD_FAILURE() << body_;
    return root;
  }
  // A number from /_standin/stats: {"requests": {endpoint: {outcome: n}}, "sessions": {...},
  // "launchesById": {id: n}}; 0 when absent.
  uint64_t stat(std::string_view a, std::string_view b, std::string_view c = {}) {
    // Without exceptions: a key the stand-in has not counted yet is absent, which reads 0.
    simdjson::simdjson_result<simdjson::dom::element> e = get("/_standin/stats")[a][b];
    if (!c.empty()) e = e[c];
    uint64_t n = 0;
    return e.get(n) == simdjson::SUCCESS ? n : 0;
  }
  uint64_t posts(std::string_view outcome) { return stat("requests", "POST /session", outcome); }
  uint64_t deletes(std::string_view outcome) {
    return stat("requests", "DELETE /session/{id}", outcome);
  }
  uint64_t sessions(std::string_view which) { return stat("sessions", which); }
  uint64_t listings(std::string_view outcome) { return stat("requests", "GET /session", outcome); }
  // Makes a running session end at the stand-in without a DELETE (exited, dead,
  // server_unreachable, vanished); the status of the answer.
  long befall(const std::string& uuid, std::string_view outcome) {
    HttpRequest r;
    r.method = "POST";
    r.url = standin_.base_url() + "/_standin/session/" + uuid + "/" + std::string(outcome);
    long status = -1;
    http_.send(std::move(r), [&](HttpResponse&& response) { status = response.status; });
    EXPECT_TRUE(driver_.run_until([&] { return status != -1; }));
    return status;
  }
  std::string status_at_gameye(const TestSession& s) {
    std::string_view status;
    return get("/session/" + s.uuid())["status"].get(status) == simdjson::SUCCESS
               ? std::string(status)
               : std::string();
  }
  // Starts `s` and waits until it runs.
  ::testing::AssertionResult run(GameyeBackend& backend, const TestSession& s) {
    backend.start(s.spec());
    if (!settle(s) || !events_.has_running(s.id)) {
      return ::testing::AssertionFailure() << s.text << " does not run";
    }
    return ::testing::AssertionSuccess();
  }
  uint64_t launches_of(const std::string& uuid) { return stat("launchesById", uuid); }
  // Where Gameye has (or had) the session of this id, and its status there.
  std::string location_at_gameye(const std::string& uuid) {
    std::string_view location;
    return get("/session/" + uuid)["location"].get(location) == simdjson::SUCCESS
               ? std::string(location)
               : std::string();
  }
  std::string status_of(const std::string& uuid) {
    std::string_view status;
    return get("/session/" + uuid)["status"].get(status) == simdjson::SUCCESS ? std::string(status)
                                                                              : std::string();
  }
  // The labels a launch sent, as Gameye shows them in either shape (--label-shape): the JSON
  // text under "tags", parsed (tagged), or the map itself (flat).
  simdjson::dom::element labels_of(simdjson::dom::element session) {
    std::string_view tags;
    if (session["labels"]["tags"].get(tags) != simdjson::SUCCESS) return session["labels"];
    simdjson::dom::element labels;
    if (tags_parser_.parse(std::string(tags)).get(labels) != simdjson::SUCCESS) {
      ADD_FAILURE() << tags;
    }
    return labels;
  }

  itest::GameyeStandinProcess standin_;
  ReactorDriver driver_;
  HttpClient http_{driver_.reactor()};
  RecordingEvents events_;
  BackendMetrics metrics_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser tags_parser_;
  std::string body_;
};

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
  StartSpec first = in_us_east.spec();
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
  StartSpec spec = s.spec();
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

// The liveness check (GameyeOptions::liveness_ms) ---------------------------------------------

TEST_F(GameyeBackendTest, RunningSessionsThatDieAreLostWithinTheInterval) {
  ASSERT_TRUE(start_standin());
  GameyeOptions o = options();
  o.liveness_ms = 300;
  auto backend = make(o);
  TestSession dead, exited, vanished, unreachable, alive;
  for (const TestSession* s : {&dead, &exited, &vanished, &unreachable, &alive}) {
    ASSERT_TRUE(run(*backend, *s));
  }
  ASSERT_EQ(befall(dead.uuid(), "dead"), 204);
  ASSERT_EQ(befall(exited.uuid(), "exited"), 204);
  ASSERT_EQ(befall(vanished.uuid(), "vanished"), 204);  // not listed at all any more
  ASSERT_EQ(befall(unreachable.uuid(), "server_unreachable"), 204);
  const auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] {
    return events_.lost(dead.id) && events_.lost(exited.id) && events_.lost(vanished.id) &&
           events_.lost(unreachable.id);
  }));
  // Dead and exited: the next check. Vanished and unreachable: two checks in a row
  // (kDoubtsBeforeLost). Plus the listings' own time (generous on a busy machine).
  EXPECT_LT(std::chrono::steady_clock::now() - died,
            std::chrono::milliseconds(2 * o.liveness_ms + 700));
  for (const TestSession* s : {&dead, &exited, &vanished, &unreachable}) {
    EXPECT_EQ(events_.lost(s->id), SessionError::kContainerLost) << s->text;
    EXPECT_EQ(events_.count(RecordedEvent::kLost, s->id), 1u);
  }
  EXPECT_FALSE(events_.lost(alive.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_FALSE(backend->endpoint(unreachable.id));
  // The unreachable one may come back (and bill): it is deleted. Nothing else is.
  ASSERT_TRUE(eventually([&] { return sessions("unreachable") == 0; }));
  EXPECT_EQ(status_at_gameye(unreachable), "exited");
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(status_at_gameye(alive), "running");
  // Later checks change nothing.
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 2; }));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_FALSE(events_.lost(alive.id));
}

TEST_F(GameyeBackendTest, FailedListingsLoseNothing) {
  ASSERT_TRUE(start_standin({"--list-unavailable-first", "8"}));
  GameyeOptions o = options();
  o.liveness_ms = 100;
  o.retries = 1;  // each check: a listing and one retry
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  ASSERT_EQ(befall(s.uuid(), "vanished"), 204);
  // Four checks fail (503 twice each): the session is gone, but nothing says so.
  ASSERT_TRUE(eventually([&] { return listings("503") == 8; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(listings("200"), 0u);
  // The first two listings that come judge it (a failed one breaks no run of doubts: it
  // says nothing).
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(s.id).has_value(); }));
  EXPECT_EQ(events_.lost(s.id), SessionError::kContainerLost);
  EXPECT_GE(listings("200"), 2u);
}

TEST_F(GameyeBackendTest, ASessionUnreachableForOneListingIsNotLost) {
  ASSERT_TRUE(start_standin());
  GameyeOptions o = options();
  o.liveness_ms = 300;
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  const uint64_t before = listings("200");
  ASSERT_EQ(befall(s.uuid(), "server_unreachable"), 204);
  // One listing sees its machine unreachable; then the machine is back.
  ASSERT_TRUE(eventually([&] { return listings("200") == before + 1; }));
  ASSERT_EQ(befall(s.uuid(), "running"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") >= before + 3; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(status_at_gameye(s), "running");
  // A blip later is again one doubt, not the second of a run.
  const uint64_t later = listings("200");
  ASSERT_EQ(befall(s.uuid(), "server_unreachable"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") == later + 1; }));
  ASSERT_EQ(befall(s.uuid(), "running"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") >= later + 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
}

TEST_F(GameyeBackendTest, SessionLaunchedDuringAListingIsNotJudgedByIt) {
  // Listings tell what Gameye held when they arrived, half a second late.
  ASSERT_TRUE(start_standin({"--list-delay-ms", "500"}));
  GameyeOptions o = options();
  o.liveness_ms = 50;
  auto backend = make(o);
  ASSERT_TRUE(eventually([&] { return listings("delayed") == 1; }));
  TestSession s;  // launched after that listing was taken: it is not in it
  ASSERT_TRUE(run(*backend, s));
  ASSERT_EQ(listings("200"), 0u) << "the listing came back before the launch ran";
  // The listing without it comes back, then one taken while it ran.
  ASSERT_TRUE(eventually([&] { return listings("200") >= 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, s.id), 1u);
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(deletes("204"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

TEST_F(GameyeBackendTest, LaunchInFlightIsNeverTakenForAnOrphan) {
  // Gameye lists the session (created) long before the POST is answered.
  ASSERT_TRUE(start_standin({"--start-delay-ms", "800"}));
  GameyeOptions o = options();
  o.liveness_ms = 50;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(eventually([&] { return sessions("starting") == 1; }));
  const uint64_t before = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= before + 3; }));
  EXPECT_FALSE(events_.settled(s.id));  // still launching through those checks
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id));
  EXPECT_EQ(deletes("204") + deletes("409") + deletes("404"), 0u);
  EXPECT_EQ(launches_of(s.uuid()), 1u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

TEST_F(GameyeBackendTest, OwedDeleteIsSentAgainUntilGameyeShowsItGone) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  GameyeOptions o = options();
  o.liveness_ms = 200;
  o.retries = 1;  // a stop: a DELETE and one retry
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  // Reported stopped (the player is done with it), but Gameye still runs it: owed, and
  // counted for /metrics.
  EXPECT_EQ(deletes("503"), 2u);
  EXPECT_EQ(backend->owed_delete_count(), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 1u);
  EXPECT_EQ(sessions("running"), 1u);
  // The checks send it again (the first resend meets the third 503) until it is gone.
  ASSERT_TRUE(
      eventually([&] { return sessions("running") == 0 && backend->owed_delete_count() == 0; }));
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
  EXPECT_EQ(deletes("503"), 3u);
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(status_at_gameye(s), "exited");
  EXPECT_EQ(events_.count(RecordedEvent::kStopped, s.id), 1u);
  EXPECT_FALSE(events_.lost(s.id));
}

// With the periodic check off, a failed DELETE is owed all the same: the listing is read for
// it alone (every owed_check_ms) until Gameye confirms, and no more once the debt is settled.
TEST_F(GameyeBackendTest, WithoutLivenessChecksAnOwedDeleteIsStillSentUntilConfirmed) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  GameyeOptions o = options();
  o.liveness_ms = 0;
  o.owed_check_ms = 200;
  o.retries = 1;
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  EXPECT_EQ(backend->owed_delete_count(), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 1u);
  EXPECT_EQ(sessions("running"), 1u);
  ASSERT_TRUE(
      eventually([&] { return sessions("running") == 0 && backend->owed_delete_count() == 0; }));
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
  driver_.run_for(std::chrono::milliseconds(300));  // a check armed before it settled
  const size_t listed = listings("200");
  driver_.run_for(std::chrono::milliseconds(600));
  EXPECT_EQ(listings("200"), listed);  // nothing owed: no more listings
}

TEST_F(GameyeBackendTest, LivenessCheckDeletesOrphansOfItsFleetOnly) {
  ASSERT_TRUE(start_standin());
  TestSession orphan, foreign, own;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, orphan));
  }  // gone without recovery (no store): its session runs on
  GameyeOptions foreign_options = options();
  foreign_options.fleet = "another-deployment";
  auto stranger = make(foreign_options);
  ASSERT_TRUE(run(*stranger, foreign));
  GameyeOptions o = options();
  o.liveness_ms = 100;
  auto backend = make(o);
  ASSERT_TRUE(run(*backend, own));
  ASSERT_TRUE(eventually([&] { return status_at_gameye(orphan) == "exited"; }));
  EXPECT_EQ(status_at_gameye(foreign), "running");
  EXPECT_EQ(status_at_gameye(own), "running");
  EXPECT_EQ(deletes("204"), 1u);
}

// Gameye shows labels in two shapes (docs/gameye-backend.md): every reader of them — the
// 409 lookup, recovery, the liveness check — must take both. ---------------------------------

class GameyeLabelShapeTest : public GameyeBackendTest,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  ::testing::AssertionResult start_standin(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args = {"--token",        std::string(kToken), "--locations",
                                     "europe,us-east", "--label-shape",     GetParam()};
    args.insert(args.end(), extra.begin(), extra.end());
    return standin_.start(args);
  }
};

INSTANTIATE_TEST_SUITE_P(Shapes, GameyeLabelShapeTest, ::testing::Values("tagged", "flat"));

// A POST whose answer is lost started the session: the retry's 409 is this session's own
// launch, found by GET /session/{id}. Before both shapes were read, the tagged one ended the
// launch start_failed (gameye_id_conflict) and left the session running for the liveness
// check to delete as an orphan.
TEST_P(GameyeLabelShapeTest, RetryAfterATimeoutFindsItsOwnStartedSession) {
  ASSERT_TRUE(start_standin({"--hang-first", "1"}));
  GameyeOptions o = options();
  o.timeout_ms = 300;
  o.liveness_ms = 100;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id)) << events_.describe();
  EXPECT_EQ(posts("409"), 1u);
  ASSERT_TRUE(backend->endpoint(s.id));
  // Later checks keep it: neither lost nor taken for an orphan.
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

// After a restart the sessions of the store are found in the fleet's listing by their label.
TEST_P(GameyeLabelShapeTest, RecoveryAdoptsItsSessionsByLabel) {
  ASSERT_TRUE(start_standin());
  TestSession kept;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, kept));
  }
  auto after = make(options());
  after->recover({kept.recovered(true)});
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.count(RecordedEvent::kRunning, kept.id) == 2; }));
  EXPECT_FALSE(events_.lost(kept.id));
  ASSERT_TRUE(after->endpoint(kept.id));
  EXPECT_GE(after->endpoint(kept.id)->port, 20000);
  // Not an orphan either: still running, never deleted.
  EXPECT_EQ(deletes("204"), 0u);
  EXPECT_EQ(status_at_gameye(kept), "running");
}

// Launches in flight when ringside died (its store says starting, with no server): those
// Gameye runs, or still starts, are adopted where Gameye has them, by their labels; the rest
// fail. Nothing is deleted as an orphan.
TEST_P(GameyeLabelShapeTest, RecoveryAdoptsStartsCutShortThatGameyeRunsOrStillStarts) {
  // Every start takes 2 s; the first POST is never answered (its session starts all the same).
  ASSERT_TRUE(start_standin({"--hang-first", "1", "--start-delay-ms", "2000"}));
  TestSession ran, starting, never_sent;
  {
    GameyeOptions patient = options();
    patient.timeout_ms = 60'000;  // no retry (409) finds the hung launch's session
    auto before = make(patient);
    StartSpec in_us_east = ran.spec();
    in_us_east.server = 1;
    before->start(in_us_east);
    ASSERT_TRUE(eventually([&] { return sessions("running") == 1; }));
    before->start(starting.spec());
    ASSERT_TRUE(eventually([&] { return sessions("starting") == 1; }));
    EXPECT_FALSE(events_.settled(ran.id));
    EXPECT_FALSE(events_.settled(starting.id));
  }  // ringside dies with both launches in flight
  auto after = make(options());
  after->recover({ran.recovered(false), starting.recovered(false), never_sent.recovered(false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.has_running(ran.id); }));
  // Found running in us-east: placement hears where, then that it runs.
  EXPECT_EQ(events_.relocations(ran.id), std::vector<uint32_t>{1});
  ASSERT_TRUE(after->endpoint(ran.id));
  EXPECT_GE(after->endpoint(ran.id)->port, 20000);
  // Still starting at Gameye (listed "created"): not running yet, but not given up.
  EXPECT_FALSE(events_.settled(starting.id));
  EXPECT_EQ(events_.relocations(starting.id), std::vector<uint32_t>{0});
  EXPECT_EQ(events_.start_failed(never_sent.id), SessionError::kStartFailed);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(starting.id); }));
  EXPECT_TRUE(events_.has_running(starting.id)) << events_.describe();
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, starting.id), 1u);
  ASSERT_TRUE(after->endpoint(starting.id));
  EXPECT_EQ(status_at_gameye(ran), "running");
  EXPECT_EQ(status_at_gameye(starting), "running");
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(after->session_count(), 2u);
  // Adopted starts stop as any session.
  after->stop(starting.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(starting.id).has_value(); }));
  EXPECT_EQ(status_at_gameye(starting), "exited");
}

// Adopted unverified (the listing failed at recovery) under its first id while it really runs
// under the next (its first start failed): the liveness check finds it by its label and takes
// Gameye's id, instead of losing it and deleting it as an orphan.
TEST_P(GameyeLabelShapeTest, LivenessFindsASessionUnderAnotherIdByItsLabel) {
  ASSERT_TRUE(start_standin({"--fail-first", "1", "--list-unavailable-first", "2"}));
  TestSession s;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, s));
  }
  ASSERT_EQ(status_at_gameye(s), "dead");  // attempt 0 failed; it runs as attempt 1
  GameyeOptions o = options();
  o.retries = 1;  // the recovery listing and its retry fail: adopted unverified
  o.liveness_ms = 100;
  auto after = make(o);
  after->recover({s.recovered(true)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.count(RecordedEvent::kRunning, s.id) == 2; }));
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 3; }));
  EXPECT_FALSE(events_.lost(s.id)) << events_.describe();
  EXPECT_EQ(deletes("204"), 0u);
  simdjson::dom::element attempt1 = get("/session/" + s.uuid(1));
  EXPECT_EQ(std::string_view(attempt1["status"]), "running");
  // The stop reaches the session Gameye runs.
  after->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  EXPECT_EQ(std::string_view(get("/session/" + s.uuid(1))["status"]), "exited");
}

}  // namespace
}  // namespace ringside

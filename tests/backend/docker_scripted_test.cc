// The Docker backend against a scripted engine (support/fake_docker_engine.h): what real
// engines do only by chance or not on cue, such as a container that dies between two calls.
// Everything else in tests/backend/docker/, on real engines.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "backend/docker_scripted_fixture.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

// What Docker 20.10 answers for the stats of a container that is not running (trimmed).
constexpr char kEmptyStats[] =
    R"({"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},)"
    R"("num_procs":0,"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,)"
    R"("usage_in_usermode":0},"throttling_data":{}},"memory_stats":{}})";

// The container dies just after the start's inspect found it up: its `die` came while the
// start was still inspecting (and is left to the inspect), so the session is reported
// running. The CPU baseline read just after comes back empty: the session is lost, its
// container removed, instead of staying `running` until the next 30 s listing.
TEST_F(DockerScriptedTest, ASessionWhoseCpuBaselineIsEmptyIsLost) {
  Launch dead, alive;
  make_backend([this, dead](const Call& c) {
    if (c.method == "GET" && about(c, dead, "/stats")) return Reply{200, kEmptyStats};
    // Both listed running (engine()), as just before the death: only the baseline read can
    // tell.
    return engine(c);
  });
  start(dead);
  start(alive);
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(dead.id).has_value(); }, 5s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(dead.id));
  EXPECT_EQ(events_.lost(dead.id), SessionError::kContainerLost);
  EXPECT_EQ(count_about("DELETE", dead, "/containers/"), 1u);

  ASSERT_TRUE(driver_.run_until([&] { return events_.has_running(alive.id); }, 5s));
  driver_.run_for(300ms);  // its baseline read: a figure, no loss
  EXPECT_FALSE(events_.lost(alive.id)) << events_.describe();
  EXPECT_EQ(backend_->session_count(), 1u);
}

// An engine (or a socket proxy in front of it) that answers /events 200 and ends the stream at
// once: the reconnects back off (250 ms, doubling), each with its container listing, instead
// of both every 250 ms for ever. A stream that delivered an event did its job: the next
// reconnect is quick again.
TEST_F(DockerScriptedTest, AnEventStreamThatEndsAsSoonAsItOpensBacksOff) {
  make_backend([&](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/events")) {
      return Reply{200, "", Reply::Body::kStreamEnded};
    }
    return engine(c);
  });
  driver_.run_for(3s);
  // Opened at 0, 0.25, 0.75 and 1.75 s (the next at 3.75): every 250 ms would be twelve.
  EXPECT_GE(engine_->count("GET", "/events"), 3u);
  EXPECT_LE(engine_->count("GET", "/events"), 5u);
  EXPECT_LE(engine_->count("GET", "/containers/json"), 6u);
}

TEST_F(DockerScriptedTest, AnEventStreamThatDeliveredAnEventReconnectsQuickly) {
  const std::string event =
      R"({"Type":"container","Action":"destroy","Actor":{"ID":"c1","Attributes":)"
      R"({"ringside.session":"s-gone"}}})"
      "\n";
  make_backend([this, event](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/events")) {
      return Reply{200, event, Reply::Body::kStreamEnded};
    }
    return engine(c);
  });
  driver_.run_for(4s);
  // Every 250 ms or so (sixteen on an idle machine); backing off would give five.
  EXPECT_GE(engine_->count("GET", "/events"), 7u);
}

// A launch right at start-up, before the engine said what it has (its /info held back here):
// the container is created only once /info answered, within its 2 CPUs, never with the 8
// cores the game declares (the engine would refuse them).
TEST_F(DockerScriptedTest, ALaunchBeforeTheEnginesInfoAnswersGetsLimitsWithinIt) {
  make_backend([&](const Call& c) {
    Reply r = engine(c);
    if (c.method == "GET" && c.target.starts_with("/info")) r.delay_ms = 500;
    return r;
  });
  Launch l;
  start(l, /*cpu_millicores=*/8000);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  const std::string body = created_body(l);
  EXPECT_NE(body.find("\"NanoCpus\":2000000000"), std::string::npos) << body;
}

// An engine whose /info fails: the launch is not held for ever, it goes on with the game's
// own figures (nothing better is known).
TEST_F(DockerScriptedTest, ALaunchGoesOnWithItsOwnLimitsWhenTheEnginesInfoFails) {
  make_backend([&](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/info")) return Reply{500, "{}"};
    return engine(c);
  });
  Launch l;
  start(l, /*cpu_millicores=*/8000);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  const std::string body = created_body(l);
  EXPECT_NE(body.find("\"NanoCpus\":8000000000"), std::string::npos) << body;
  // ringside_backend_requests_total: the 500 is a Docker error, the launch's calls are ok.
  EXPECT_GE(metrics_.requests[kBackendCallDocker][kBackendCallError].get(), 1u);
  EXPECT_GE(metrics_.requests[kBackendCallDocker][kBackendCallOk].get(), 2u);
  EXPECT_EQ(metrics_.requests[kBackendCallGameye][kBackendCallOk].get(), 0u);
}

// A session adopted running after a restart is reported running like a start's, but reads
// no CPU baseline: its container's total covers time before the restart, and placement does
// not learn from it.
TEST_F(DockerScriptedTest, ASessionAdoptedRunningReadsNoCpuBaseline) {
  Launch l;
  make_backend([this, l](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{200, R"([{"Id":"c-adopted","Labels":{"ringside.session":")" + l.text +
                            R"("},"State":"running"}])"};
    }
    return engine(c);
  });
  PlacedSession r = test_session(l.id, random_id128(), 0);
  r.was_running = true;
  backend_->recover({r});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), "c-adopted");
  driver_.run_for(200ms);
  EXPECT_EQ(engine_->count("GET", "/containers/c-adopted/stats"), 0u);
}

}  // namespace
}  // namespace ringside

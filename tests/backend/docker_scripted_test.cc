// The Docker backend against a scripted engine (support/fake_docker_engine.h): what real
// engines do only by chance or not on cue, such as a container that dies between two calls.
// Everything else in tests/backend/docker/, on real engines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backend/support/fake_docker_engine.h"
#include "backend/support/placed_sessions.h"
#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "backends/docker/docker_backend.h"
#include "model/ids.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;
using Call = FakeDockerEngine::Call;
using Reply = FakeDockerEngine::Reply;

// What Docker 20.10 answers for the stats of a container that is not running (trimmed).
constexpr char kEmptyStats[] =
    R"({"read":"0001-01-01T00:00:00Z","preread":"0001-01-01T00:00:00Z","pids_stats":{},)"
    R"("num_procs":0,"cpu_stats":{"cpu_usage":{"total_usage":0,"usage_in_kernelmode":0,)"
    R"("usage_in_usermode":0},"throttling_data":{}},"memory_stats":{}})";

class DockerScriptedTest : public testing::Test {
 protected:
  void TearDown() override {
    backend_.reset();
    engine_.reset();
    std::filesystem::remove_all(save_root_);
  }

  // One engine, declared with 16 cores and 4 GiB (its /info says 2 and 2 GiB).
  void make_backend(FakeDockerEngine::Handler handler) {
    engine_ = std::make_unique<FakeDockerEngine>(std::move(handler));
    DockerEngine e;
    e.info.name = "d1";
    e.info.url_base = "http://127.0.0.1";
    e.info.cpu_millicores = 16'000;
    e.info.memory_mb = 4096;
    e.info.slots = 8;
    e.address = engine_->address();
    std::vector<DockerEngine> engines;
    engines.push_back(std::move(e));
    DockerOptions o;
    o.save_root = save_root_;
    backend_ = std::make_unique<DockerBackend>(std::move(engines), o, driver_.reactor(), events_,
                                               metrics_);
  }

  struct Launch {
    Id128 id = random_id128();
    std::string text = id_to_string(IdKind::kSession, IdOwner{}, id);
  };

  void start(const Launch& l, uint32_t cpu_millicores = 1000) {
    PlacedSession spec = test_start(l.id, random_id128(), 0, "registry.test/game:1");
    spec.cpu_millicores = cpu_millicores;
    backend_->start(std::move(spec));
  }

  // `l`'s container as the engine's listing gives it, running.
  static std::string listed_running(const Launch& l) {
    return R"({"Id":"ringside-)" + l.text + R"(","Labels":{"ringside.session":")" + l.text +
           R"("},"State":"running"})";
  }

  static bool about(const Call& c, const Launch& l, std::string_view what) {
    return c.target.find(l.text) != std::string::npos && c.target.find(what) != std::string::npos;
  }

  // The body of the create call for `l`'s container.
  std::string created_body(const Launch& l) const {
    for (const Call& c : engine_->calls()) {
      if (c.method == "POST" && about(c, l, "/containers/create")) return c.body;
    }
    return "(not created)";
  }

  std::string save_root_ =
      testing::TempDir() + "/ringside-scripted-saves-" + std::to_string(getpid());
  ReactorDriver driver_;
  RecordingEvents events_;
  BackendMetrics metrics_;
  std::unique_ptr<FakeDockerEngine> engine_;
  std::unique_ptr<DockerBackend> backend_;
};

// The container dies just after the start's inspect found it up: its `die` came while the
// start was still inspecting (and is left to the inspect), so the session is reported
// running. The CPU baseline read just after comes back empty: the session is lost, its
// container removed, instead of staying `running` until the next 30 s listing.
TEST_F(DockerScriptedTest, ASessionWhoseCpuBaselineIsEmptyIsLost) {
  Launch dead, alive;
  make_backend([&](const Call& c) {
    if (c.method == "GET" && about(c, dead, "/stats")) return Reply{200, kEmptyStats};
    // Both listed running, as just before the death: only the baseline read can tell.
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{200, "[" + listed_running(dead) + "," + listed_running(alive) + "]"};
    }
    return FakeDockerEngine::healthy(c);
  });
  start(dead);
  start(alive);
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(dead.id).has_value(); }, 5s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(dead.id));
  EXPECT_EQ(events_.lost(dead.id), SessionError::kContainerLost);
  EXPECT_EQ(engine_->count("DELETE", "/containers/ringside-" + dead.text), 1u);

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
  make_backend([](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/events")) {
      return Reply{200, "", Reply::Body::kStreamEnded};
    }
    return FakeDockerEngine::healthy(c);
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
  make_backend([&](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/events")) {
      return Reply{200, event, Reply::Body::kStreamEnded};
    }
    return FakeDockerEngine::healthy(c);
  });
  driver_.run_for(4s);
  // Every 250 ms or so (sixteen on an idle machine); backing off would give five.
  EXPECT_GE(engine_->count("GET", "/events"), 7u);
}

// A launch right at start-up, before the engine said what it has (its /info held back here):
// the container is created only once /info answered, within its 2 CPUs, never with the 8
// cores the game declares (the engine would refuse them).
TEST_F(DockerScriptedTest, ALaunchBeforeTheEnginesInfoAnswersGetsLimitsWithinIt) {
  make_backend([](const Call& c) {
    Reply r = FakeDockerEngine::healthy(c);
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
  make_backend([](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/info")) return Reply{500, "{}"};
    return FakeDockerEngine::healthy(c);
  });
  Launch l;
  start(l, /*cpu_millicores=*/8000);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  const std::string body = created_body(l);
  EXPECT_NE(body.find("\"NanoCpus\":8000000000"), std::string::npos) << body;
}

// A session adopted running after a restart is reported running like a start's, but reads
// no CPU baseline: its container's total covers time before the restart, and placement does
// not learn from it.
TEST_F(DockerScriptedTest, ASessionAdoptedRunningReadsNoCpuBaseline) {
  Launch l;
  make_backend([&](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{200, R"([{"Id":"c-adopted","Labels":{"ringside.session":")" + l.text +
                            R"("},"State":"running"}])"};
    }
    return FakeDockerEngine::healthy(c);
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

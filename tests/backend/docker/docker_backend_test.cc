// The Docker backend against real engines: launch, pull, save, recovery, engine loss and the
// stop paths (the event stream: docker_events_test.cc; the fixture: docker_fixture.h).
#include <gtest/gtest.h>

#include "backend/docker/docker_fixture.h"

namespace ringside::docker_test {
namespace {

TEST_F(DockerBackendTest, LaunchRunsWithItsSaveAndStopBringsTheSaveBackChanged) {
  make_backend();
  Launch l;
  std::string error;
  ASSERT_TRUE(write_save(save_file_path(save_root_, l.slot),
                         make_tar({{"save/progress.txt", "tick 41 0\n"}}), &error));
  start(l, 0, /*fresh=*/false);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  EXPECT_TRUE(events_.has_phase(l.id, StartPhase::kPulling));
  EXPECT_TRUE(events_.has_phase(l.id, StartPhase::kCreating));
  const std::string container = backend_->container_of(l.id);
  ASSERT_FALSE(container.empty());

  Answer inspect = engine_call(sockets_[0], "GET", "/containers/" + container + "/json");
  // Named by its engine slot (8 declared): the engine holds the name for every node.
  EXPECT_NE(inspect.body.find("\"Name\":\"/ringside-slot-"), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.cpu_millicores\":\"1000\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.memory_mb\":\"64\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.session\":\"" + l.text + "\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.player\":\"p-test\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"Memory\":67108864"), std::string::npos);
  EXPECT_NE(inspect.body.find("\"NanoCpus\":1000000000"), std::string::npos);
  // The game found the save put in before it started, and goes on from it.
  EXPECT_EQ(save_in_container(0, container).rfind("tick 41 0\ntick 42 ", 0), 0u);

  driver_.run_for(2500ms);  // a few ticks, a few hundred ms of CPU
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0.1);
  // cgroup v1 here: the engine reports max_usage. On v2 it is NaN (unknown), never zero.
  EXPECT_TRUE(std::isnan(figures->peak_memory_mb) || figures->peak_memory_mb > 0);
  EXPECT_GT(figures->save_bytes, 0u);

  std::optional<std::string> saved = read_save(save_file_path(save_root_, l.slot), &error);
  ASSERT_TRUE(saved) << error;
  EXPECT_EQ(saved->size(), figures->save_bytes);
  const std::string progress = tar_entries(*saved)["save/progress.txt"];
  EXPECT_EQ(progress.rfind("tick 41 0\n", 0), 0u) << progress;
  EXPECT_GT(last_tick(progress), 43) << progress;
  EXPECT_EQ(engine_call(sockets_[0], "GET", "/containers/" + container + "/json").status, 404);
  EXPECT_EQ(backend_->session_count(), 0u);
}

TEST_F(DockerBackendTest, SecondLaunchOfTheSameGameOnTheSameEngineSkipsThePull) {
  make_backend();
  EXPECT_FALSE(backend_->has_image(1, image_));
  Launch a, b;
  start(a, 1);
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_TRUE(backend_->has_image(1, image_));
  EXPECT_FALSE(backend_->has_image(0, image_));
  start(b, 1);
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_FALSE(events_.has_phase(b.id, StartPhase::kPulling));
  ASSERT_TRUE(stop_and_wait(a));
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, AnImageRemovedBehindItsBackIsPulledAgain) {
  make_backend();
  Launch a, b;
  start(a, 0);
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  ASSERT_TRUE(stop_and_wait(a));
  EXPECT_EQ(backend_->pulls_started(), 1u);
  // An operator prunes the image; the backend still believes the engine holds it.
  Answer removed = engine_call(sockets_[0], "DELETE", "/images/" + image_ + "?force=true");
  ASSERT_EQ(removed.status, 200) << removed.body;
  ASSERT_TRUE(backend_->has_image(0, image_));
  start(b, 0);
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 2u);
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, ANewBackendKnowsTheImagesAnEngineHolds) {
  engine_call(sockets_[0], "POST",
              "/images/create?fromImage=" + image_.substr(0, image_.rfind(':')) +
                  "&tag=" + image_.substr(image_.rfind(':') + 1));
  make_backend();
  ASSERT_TRUE(driver_.run_until([&] { return backend_->has_image(0, image_); }, 10s));
  EXPECT_FALSE(backend_->has_image(1, image_));
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 0u);
  ASSERT_TRUE(stop_and_wait(l));
}

TEST_F(DockerBackendTest, TwoLaunchesAtOnceShareOnePull) {
  make_backend();
  Launch a, b;
  start(a, 0);
  start(b, 0);
  EXPECT_TRUE(events_.has_phase(a.id, StartPhase::kPulling));
  EXPECT_TRUE(events_.has_phase(b.id, StartPhase::kPulling));
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_NE(backend_->container_of(a.id), backend_->container_of(b.id));
  ASSERT_TRUE(stop_and_wait(a));
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, AStopWhilePullingLeavesNoContainer) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(events_.has_phase(l.id, StartPhase::kPulling));
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->cpu_seconds, 0);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_FALSE(events_.has_running(l.id));
  // The pull goes on and ends; still nothing is created for the stopped launch.
  ASSERT_TRUE(driver_.run_until([&] { return backend_->has_image(0, image_); }, 30s));
  driver_.run_for(500ms);
  EXPECT_TRUE(session_containers(sockets_[0]).empty());
  EXPECT_EQ(events_.of(l.id).back().kind, RecordedEvent::kStopped);
}

TEST_F(DockerBackendTest, AfterARestartRecoverAdoptsRunningContainersAndSettlesTheRest) {
  make_backend();
  Launch running, gone, cut_short;
  start(running, 1);
  ASSERT_TRUE(wait_running(running)) << events_.describe();
  const std::string container = backend_->container_of(running.id);
  backend_.reset();  // as after kill -9: nothing stopped, the container runs on
  events_.events.clear();

  make_backend();
  backend_->recover(
      {recovered(running, 1, true), recovered(gone, 1, true), recovered(cut_short, 1, false)});
  EXPECT_TRUE(events_.events.empty());  // nothing from inside recover()
  ASSERT_TRUE(driver_.run_until(
      [&] {
        return events_.settled(running.id) && events_.settled(gone.id) &&
               events_.settled(cut_short.id);
      },
      20s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(running.id));
  EXPECT_EQ(events_.lost(gone.id), SessionError::kContainerLost);
  EXPECT_EQ(events_.start_failed(cut_short.id), SessionError::kStartFailed);
  EXPECT_EQ(backend_->container_of(running.id), container);

  driver_.run_for(1s);  // past the orphan grace: an adopted container is no orphan
  std::optional<SessionFigures> figures = stop_and_wait(running);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_TRUE(session_containers(sockets_[1]).empty());
}

// ringside died (kill -9) during a launch, after the container started: the store says
// `starting`. The new backend adopts the container that runs (running, the same container,
// and a stop works on it) instead of failing the start and removing it.
TEST_F(DockerBackendTest, RecoverAdoptsAStartCutShortWhoseContainerRuns) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  backend_.reset();
  events_.events.clear();

  make_backend();
  backend_->recover({recovered(l, 1, /*was_running=*/false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 20s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), container);
  EXPECT_TRUE(container_exists(1, container));

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_FALSE(container_exists(1, container));
}

// The same with an image that has a HEALTHCHECK, still `starting` at the restart: running
// only once healthy, as a start would have been. A start cut short before its container ran
// (created, never started) still fails, and its container is removed.
TEST_F(DockerBackendTest, RecoverWaitsForHealthyAndFailsAStartThatNeverRan) {
  Launch starting, never_ran;
  const std::string health =
      ",\"Healthcheck\":{\"Test\":[\"CMD\",\"test\",\"-f\",\"/save/ready\"],"
      "\"Interval\":200000000,\"Timeout\":1000000000,\"StartPeriod\":60000000000}";
  const std::string container = create_labelled(1, starting.text, /*start_it=*/true, health);
  const std::string created = create_labelled(1, never_ran.text, /*start_it=*/false);

  make_backend();
  backend_->recover({recovered(starting, 1, false), recovered(never_ran, 1, false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(never_ran.id); }, 10s))
      << events_.describe();
  EXPECT_EQ(events_.start_failed(never_ran.id), SessionError::kStartFailed);
  EXPECT_FALSE(container_exists(1, created));

  driver_.run_for(1s);  // health checks keep failing: still starting
  EXPECT_FALSE(events_.settled(starting.id)) << events_.describe();
  put_in_save(1, container, make_tar({{"ready", ""}}));
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(starting.id); }, 10s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(starting.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(starting.id), container);
  ASSERT_TRUE(stop_and_wait(starting)) << events_.describe();
  EXPECT_FALSE(container_exists(1, container));
}

TEST_F(DockerBackendTest, AnOrphanContainerWithRingsideLabelsIsRemoved) {
  const std::string orphan_session = id_to_string(IdKind::kSession, IdOwner{}, random_id128());
  create_labelled(0, orphan_session, /*start_it=*/false);
  ASSERT_EQ(session_containers(sockets_[0]).size(), 1u);

  make_backend();
  driver_.run_for(1500ms);  // the start-up listing finds it; removed after 500 ms
  EXPECT_TRUE(session_containers(sockets_[0]).empty());
}

TEST_F(DockerBackendTest, AnEngineUnreachableAtRecoveryLosesItsSessionsOnlyAfterTheTimeout) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  backend_.reset();  // as after kill -9 of ringside
  events_.events.clear();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);  // and its engine is gone while it restarts

  make_backend();
  backend_->recover({recovered(l, 1, true)});
  driver_.run_for(500ms);  // half the lost timeout: a failed listing alone loses nothing
  EXPECT_FALSE(events_.settled(l.id)) << events_.describe();
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

TEST_F(DockerBackendTest, AKilledEngineIsReportedDownAndItsSessionsLostAfterTheTimeout) {
  make_backend();
  Launch l, late;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);

  ASSERT_TRUE(driver_.run_until([&] { return events_.server_up(1) == false; }, 10s))
      << events_.describe();
  EXPECT_FALSE(events_.lost(l.id));               // not yet: only after the lost timeout
  EXPECT_EQ(events_.server_up(0), std::nullopt);  // the other engine never changed
  start(late, 1);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(late.id); }, 5s));
  EXPECT_EQ(events_.start_failed(late.id), SessionError::kServerLost);
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 5s))
      << events_.describe();
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_EQ(backend_->session_count(), 0u);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

// The game filled its save directory past the limit: the stop still ends `stopped` with its
// figures, says why the save was not kept (the player sees saveError), counts it for /metrics,
// and leaves the slot's previous save as it was.
TEST_F(DockerBackendTest, ASaveOverTheLimitIsNotKeptAndTheStopSaysWhy) {
  make_backend();
  Launch l;
  std::string error;
  const std::string path = save_file_path(save_root_, l.slot);
  const std::string previous = make_tar({{"save/progress.txt", "tick 41 0\n"}});
  ASSERT_TRUE(write_save(path, previous, &error)) << error;
  start(l, 0, /*fresh=*/false);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  put_in_save(0, container, make_tar({{"world.bin", std::string(kMaxSaveBytes + 1, 'w')}}));

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->save_error, SaveError::kTooLarge);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_EQ(metrics_.saves_failed[static_cast<size_t>(SaveError::kTooLarge)].get(), 1u);
  EXPECT_EQ(read_save(path, &error), previous);
  EXPECT_EQ(engine_call(sockets_[0], "GET", "/containers/" + container + "/json").status, 404);
}

// A symlink in the save directory (it would point anywhere in the next container): the save is
// refused, the previous one kept.
TEST_F(DockerBackendTest, ASaveHoldingALinkIsRejected) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  put_in_save(0, container, raw_tar_entry("passwd", '2', 0, "", "/etc/passwd") + raw_tar_end());

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->save_error, SaveError::kRejected);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_EQ(metrics_.saves_failed[static_cast<size_t>(SaveError::kRejected)].get(), 1u);
  std::string error;
  EXPECT_FALSE(read_save(save_file_path(save_root_, l.slot), &error));  // a fresh slot stays empty
}

// The engine's dockerd is killed and the player stops at once, before any ping noticed: the
// stop's first call is refused, and the session ends lost with its engine, in seconds, instead
// of walking stop, save and remove against an engine that is gone.
TEST_F(DockerBackendTest, AStopOnAKilledEngineEndsLostWithinSeconds) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const auto asked = std::chrono::steady_clock::now();
  backend_->stop(l.id);
  ASSERT_TRUE(driver_.run_until([&] { return ended(l); }, 5s)) << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_FALSE(events_.stopped(l.id));
  EXPECT_EQ(backend_->session_count(), 0u);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

// A hung engine (dockerd stopped: connections accepted, never answered) would hold every stop
// call until its timeout, minutes in all. Once a ping finds it down, the stop ends lost.
TEST_F(DockerBackendTest, AStopOnAHungEngineEndsLostOnceItIsFoundDown) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  const auto asked = std::chrono::steady_clock::now();
  backend_->stop(l.id);
  const bool done = driver_.run_until([&] { return ended(l); }, 8s);
  kill(pid, SIGKILL);  // the next test's SetUp rebuilds the environment
  ASSERT_TRUE(done) << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 8s);
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_EQ(events_.server_up(1), false);
}

}  // namespace
}  // namespace ringside::docker_test

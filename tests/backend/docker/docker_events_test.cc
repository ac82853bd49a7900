// The Docker backend follows each engine's event stream (GET /events): deaths, OOM kills and
// strangers within a second, a listing after every reconnect. Against real engines.
#include <gtest/gtest.h>

#include "backend/docker/docker_fixture.h"

namespace ringside::docker_test {
namespace {

// A labelled container that appears while ringside runs belongs to no session: its `start`
// event makes it an orphan at once, removed after the grace (500 ms here), not at the next
// 30 s listing. Within a second on an idle machine; the bound leaves room for a loaded one.
TEST_F(DockerBackendTest, AStrangerContainerIsRemovedSoonAfterTheGraceNotAtTheNextListing) {
  const std::string first =
      create_labelled(0, id_to_string(IdKind::kSession, IdOwner{}, random_id128()),
                      /*start_it=*/true);
  make_backend();
  // The start-up listing removes the first one: listed, and the event stream open, by then.
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, first); }, 10s));

  const std::string stranger = create_labelled(
      0, id_to_string(IdKind::kSession, IdOwner{}, random_id128()), /*start_it=*/true);
  const auto made = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, stranger); }, 10s))
      << "the stranger is still on the engine after 10 s";
  EXPECT_LT(measured_ms("stranger_removed_after_ms", made), 5000);  // the grace, never a listing
}

// Someone kills a running session's container on the engine: the session is lost
// (container_lost) from the container's `die` event, and the dead container is removed; not
// at the next 30 s listing. Within a second on an idle machine; the bound leaves room for a
// loaded one.
TEST_F(DockerBackendTest, AContainerKilledFromOutsideIsLostLongBeforeTheNextListing) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  ASSERT_EQ(engine_call(sockets_[0], "POST", "/containers/" + container + "/kill").status, 204);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 5s))
      << "not lost within 5 s of the kill\n"
      << events_.describe();
  EXPECT_LT(measured_ms("lost_after_ms", killed), 5000);
  EXPECT_EQ(events_.lost(l.id), SessionError::kContainerLost);
  EXPECT_FALSE(container_exists(0, container));
  EXPECT_EQ(backend_->session_count(), 0u);
}

// The kernel's OOM killer kills a process in a session's container (a helper over the memory
// limit, not the game): the engine sends `oom`, the game runs on, and so does the session.
TEST_F(DockerBackendTest, AnOomKillThatLeavesTheGameRunningIsNoLoss) {
  make_backend();
  Launch l;
  start(l, 0);  // 64 MB limit
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  Answer exec =
      engine_call(sockets_[0], "POST", "/containers/" + container + "/exec",
                  R"j({"AttachStdout":true,"AttachStderr":true,)j"
                  R"j("Cmd":["sh","-c","x=$(head -c 200000000 /dev/zero | tr '\\0' a)"]})j",
                  "application/json");
  ASSERT_EQ(exec.status, 201) << exec.body;
  const std::string exec_id = exec.body.substr(7, exec.body.find('"', 7) - 7);
  // Attached: answers once the command is over (killed).
  engine_call(sockets_[0], "POST", "/exec/" + exec_id + "/start", R"({"Detach":false})",
              "application/json");
  Answer inspected = engine_call(sockets_[0], "GET", "/exec/" + exec_id + "/json");
  ASSERT_NE(inspected.body.find("\"ExitCode\":137"), std::string::npos) << inspected.body;

  driver_.run_for(1s);  // the `oom` event is in
  EXPECT_FALSE(events_.lost(l.id)) << events_.describe();
  ASSERT_TRUE(stop_and_wait(l)) << events_.describe();
}

// The `die` that ringside's own stop causes is no loss: the stop ends `stopped`, with its
// figures and its save.
TEST_F(DockerBackendTest, TheDieOfItsOwnStopIsNoLoss) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  driver_.run_for(1500ms);  // a tick or two saved
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_FALSE(events_.lost(l.id));
  EXPECT_EQ(events_.count(RecordedEvent::kStopped, l.id), 1u);
}

// The engine's dockerd dies and comes back between two pings (pings 60 s apart here), so the
// engine is never found down: the event stream breaks, and the running session's container
// is shut down by the new dockerd (no live-restore) before anyone could hear its `die`. The
// stream reconnects, and the listing right after it finds the container exited: lost.
TEST_F(DockerBackendTest, AfterTheStreamReconnectsAListingFindsWhatItMissed) {
  DockerOptions o = options();
  o.ping_interval_ms = 60'000;
  backend_ = std::make_unique<DockerBackend>(engines(), o, driver_.reactor(), events_, metrics_);
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();

  ASSERT_TRUE(restart_dockerd(1));
  const auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 15s))
      << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 10s);  // reconnects back off up to 8 s
  EXPECT_EQ(events_.lost(l.id), SessionError::kContainerLost);
  EXPECT_EQ(events_.server_up(1), std::nullopt);  // never found down
}

}  // namespace
}  // namespace ringside::docker_test

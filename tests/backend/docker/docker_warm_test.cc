// Warm containers against real engines (docs/warm-pools.md): create, take (the save written on
// the attach stream), retire, gone behind ringside's back, recovery by the took line, prefetch.
#include <gtest/gtest.h>

#include <algorithm>

#include "backend/docker/docker_fixture.h"

namespace ringside::docker_test {
namespace {

class DockerWarmTest : public DockerBackendTest {
 protected:
  WarmContainer warm_spec(uint64_t id, uint32_t server) const {
    WarmContainer w;
    w.warm = id;
    w.game_slug = "test-game";
    w.image = image_;
    w.save_dir = "/save";
    w.server = server;
    w.cpu_millicores = 500;
    w.memory_mb = 64;
    w.label_player = "warm-00000000000000aa";
    return w;
  }
  bool wait_ready(uint64_t id) {
    return driver_.run_until(
               [&] {
                 return std::count(events_.warm_ready.begin(), events_.warm_ready.end(), id) +
                            std::count(events_.warm_gone.begin(), events_.warm_gone.end(), id) >
                        0;
               },
               60s) &&
           std::count(events_.warm_ready.begin(), events_.warm_ready.end(), id) == 1;
  }
  bool gone(uint64_t id) const {
    return std::count(events_.warm_gone.begin(), events_.warm_gone.end(), id) > 0;
  }
  void take(const Launch& l, uint32_t server, uint64_t warm, bool fresh) {
    PlacedSession spec = test_start(l.id, l.slot, server, image_);
    spec.fresh_slot = fresh;
    spec.warm = warm;
    backend_->start(std::move(spec));
  }
};

TEST_F(DockerWarmTest, WarmCreateIsReadyWithItsLabelsAndOpenStdin) {
  make_backend();
  backend_->warm_create(warm_spec(7, 0));
  ASSERT_TRUE(wait_ready(7)) << events_.describe();
  const std::string container = backend_->warm_container(7);
  Answer inspect = engine_call(sockets_[0], "GET", "/containers/" + container + "/json");
  EXPECT_NE(inspect.body.find("\"Name\":\"/ringside-slot-"), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.warm\":\"test-game\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.player\":\"warm-00000000000000aa\""), std::string::npos);
  EXPECT_EQ(inspect.body.find("\"ringside.session\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"OpenStdin\":true"), std::string::npos);
  EXPECT_NE(inspect.body.find("RINGSIDE_WARM=1"), std::string::npos);
  EXPECT_NE(inspect.body.find("\"Running\":true"), std::string::npos);
  // Waiting for its take: no tick yet.
  EXPECT_EQ(save_in_container(0, container), "");
}

TEST_F(DockerWarmTest, TakeRunsTheSessionWithTheSlotsSaveInTheWarmContainer) {
  make_backend();
  backend_->warm_create(warm_spec(1, 0));
  ASSERT_TRUE(wait_ready(1)) << events_.describe();
  const std::string container = backend_->warm_container(1);
  Launch l;
  std::string error;
  ASSERT_TRUE(write_save(save_file_path(save_root_, l.slot),
                         make_tar({{"save/progress.txt", "tick 41 0\n"}}), &error));
  const auto taken_at = std::chrono::steady_clock::now();
  take(l, 0, 1, /*fresh=*/false);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  measured_ms("warm_take_ms", taken_at);
  EXPECT_FALSE(events_.has_phase(l.id, StartPhase::kPulling));
  EXPECT_FALSE(events_.has_phase(l.id, StartPhase::kCreating));
  EXPECT_EQ(backend_->container_of(l.id), container);
  EXPECT_EQ(backend_->backend_id(l.id), container);
  EXPECT_TRUE(backend_->warm_container(1).empty());
  driver_.run_for(1500ms);
  EXPECT_EQ(save_in_container(0, container).rfind("tick 41 0\ntick 42 ", 0), 0u);
  // The took line stays in the container's log: how a restart knows it.
  Answer log = engine_call(sockets_[0], "GET", "/containers/" + container + "/logs?stdout=1");
  EXPECT_NE(log.body.find("ringside-took " + l.text + " p-test"), std::string::npos);
  // From now on it is the session's: the stop saves it back.
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  std::optional<std::string> saved = read_save(save_file_path(save_root_, l.slot), &error);
  ASSERT_TRUE(saved) << error;
  EXPECT_GT(last_tick(tar_entries(*saved)["save/progress.txt"]), 42);
  EXPECT_FALSE(container_exists(0, container));
  EXPECT_TRUE(events_.warm_gone.empty());
}

TEST_F(DockerWarmTest, TakeOfAFreshSlotStartsFromNothing) {
  make_backend();
  backend_->warm_create(warm_spec(2, 1));
  ASSERT_TRUE(wait_ready(2)) << events_.describe();
  const std::string container = backend_->warm_container(2);
  Launch l;
  take(l, 1, 2, /*fresh=*/true);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  driver_.run_for(1500ms);
  EXPECT_EQ(save_in_container(1, container).rfind("tick 1 ", 0), 0u);
  ASSERT_TRUE(stop_and_wait(l));
}

TEST_F(DockerWarmTest, ATakeWhoseGameDiedIsGivenBackToPlacementAndLeavesNothing) {
  make_backend();
  backend_->warm_create(warm_spec(9, 0));
  ASSERT_TRUE(wait_ready(9)) << events_.describe();
  const std::string container = backend_->warm_container(9);
  // Killed just before the take, before the backend heard of it.
  ASSERT_EQ(engine_call(sockets_[0], "POST", "/containers/" + container + "/kill").status, 204);
  Launch l;
  take(l, 0, 9, /*fresh=*/true);
  ASSERT_TRUE(driver_.run_until([&] { return !events_.no_room.empty(); }, 15s))
      << events_.describe();
  EXPECT_EQ(events_.no_room[0], l.id);
  EXPECT_FALSE(events_.has_running(l.id));
  EXPECT_FALSE(events_.start_failed(l.id).has_value());
  EXPECT_TRUE(events_.warm_gone.empty());  // taken: the launch's, not the pool's
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, container); }, 10s));
  EXPECT_EQ(backend_->session_count(), 0u);
}

TEST_F(DockerWarmTest, AWarmContainerKilledBehindItsBackIsGoneAndRemoved) {
  make_backend();
  backend_->warm_create(warm_spec(3, 0));
  ASSERT_TRUE(wait_ready(3)) << events_.describe();
  const std::string container = backend_->warm_container(3);
  ASSERT_EQ(engine_call(sockets_[0], "POST", "/containers/" + container + "/kill").status, 204);
  ASSERT_TRUE(driver_.run_until([&] { return gone(3); }, 10s)) << events_.describe();
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, container); }, 10s));
}

TEST_F(DockerWarmTest, RetireRemovesItWithoutAnEvent) {
  make_backend();
  backend_->warm_create(warm_spec(4, 0));
  ASSERT_TRUE(wait_ready(4)) << events_.describe();
  const std::string container = backend_->warm_container(4);
  backend_->warm_retire(4);
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, container); }, 10s));
  driver_.run_for(500ms);
  EXPECT_TRUE(events_.warm_gone.empty());
}

// Give way on an engine of one slot: the warm container is retired and a launch placed in its
// room at once. Placement let go of that room with the retire: the container is never reported
// foreign use, and the launch is not answered no_room (placement would retire another warm
// container for it) but waits for the removal, then runs in the slot.
TEST_F(DockerWarmTest, ALaunchInARetiredWarmContainersRoomWaitsForItsRemovalAndRuns) {
  make_backend(/*slots=*/1);
  backend_->warm_create(warm_spec(5, 0));
  ASSERT_TRUE(wait_ready(5)) << events_.describe();
  const std::string container = backend_->warm_container(5);
  driver_.run_for(300ms);  // its create event is in: its name is known taken
  backend_->warm_retire(5);
  Launch l;
  start(l, 0);
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.settled(l.id) || !events_.no_room.empty(); }, 60s));
  EXPECT_TRUE(events_.no_room.empty()) << "answered no room";
  ASSERT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_FALSE(container_exists(0, container));
  for (const auto& [server, use] : events_.foreign) {
    EXPECT_EQ(use.slots, 0u) << "the retired container counted foreign on server " << server;
  }
  ASSERT_TRUE(stop_and_wait(l));
}

TEST_F(DockerWarmTest, RecoverFindsTheWarmOneAndAdoptsTheTakenOneOnce) {
  make_backend();
  backend_->warm_create(warm_spec(5, 0));
  backend_->warm_create(warm_spec(6, 0));
  ASSERT_TRUE(wait_ready(5)) << events_.describe();
  ASSERT_TRUE(wait_ready(6)) << events_.describe();
  const std::string idle = backend_->warm_container(5);
  const std::string taken = backend_->warm_container(6);
  Launch l;
  take(l, 0, 6, /*fresh=*/true);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  backend_.reset();  // as a restart: containers left running

  events_.take();
  events_.found_answer = 42;
  make_backend();
  backend_->recover({recovered(l, 0, /*was_running=*/true)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.has_running(l.id); }, 20s))
      << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), taken);
  ASSERT_TRUE(driver_.run_until([&] { return !backend_->warm_container(42).empty(); }, 20s));
  ASSERT_EQ(events_.warm_found.size(), 1u);
  EXPECT_EQ(events_.warm_found[0].game, "test-game");
  EXPECT_EQ(events_.warm_found[0].image, image_);
  EXPECT_EQ(events_.warm_found[0].label_player, "warm-00000000000000aa");
  EXPECT_EQ(backend_->warm_container(42), idle);
  // Neither is an orphan (grace 500 ms) nor found twice.
  driver_.run_for(1500ms);
  EXPECT_TRUE(container_exists(0, idle));
  EXPECT_TRUE(container_exists(0, taken));
  EXPECT_EQ(events_.warm_found.size(), 1u);
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, l.id), 1u);
  EXPECT_EQ(events_.warm_ready.size(), 2u);  // 5 and 6 before the restart; none for the found one
  // The found one can be taken.
  Launch next;
  take(next, 0, 42, /*fresh=*/true);
  ASSERT_TRUE(wait_running(next)) << events_.describe();
  ASSERT_TRUE(stop_and_wait(l));
  ASSERT_TRUE(stop_and_wait(next));
}

TEST_F(DockerWarmTest, AFoundWarmContainerAnsweredZeroIsRemoved) {
  make_backend();
  backend_->warm_create(warm_spec(8, 1));
  ASSERT_TRUE(wait_ready(8)) << events_.describe();
  const std::string container = backend_->warm_container(8);
  backend_.reset();
  events_.found_answer = 0;
  make_backend();
  backend_->recover({});
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(1, container); }, 20s));
  EXPECT_EQ(events_.warm_found.size(), 1u);
}

// Placement fills its pools only after on_warm_recovered: it comes once, after the warm
// container the first recover() found was reported, and not again for a later recover().
TEST_F(DockerWarmTest, RecoverReportsTheWarmOnesFoundBeforeItSaysItsRecoveryIsDone) {
  make_backend();
  backend_->warm_create(warm_spec(9, 0));
  ASSERT_TRUE(wait_ready(9)) << events_.describe();
  const std::string container = backend_->warm_container(9);
  backend_.reset();
  events_.found_answer = 43;
  make_backend();
  backend_->recover({});
  EXPECT_TRUE(events_.warm_recovered.empty());  // not before the engines answered
  ASSERT_TRUE(driver_.run_until([&] { return !events_.warm_recovered.empty(); }, 20s))
      << events_.describe();
  ASSERT_EQ(events_.warm_found.size(), 1u);
  EXPECT_EQ(events_.warm_recovered[0], 1u);  // the found one came first
  EXPECT_EQ(backend_->warm_container(43), container);
  backend_->recover({});  // a partition acquired later: no second one
  driver_.run_for(1000ms);
  EXPECT_EQ(events_.warm_recovered.size(), 1u);
}

TEST_F(DockerWarmTest, PrefetchPullsTheImage) {
  make_backend();
  EXPECT_FALSE(backend_->has_image(1, image_));
  backend_->prefetch(1, image_);
  ASSERT_TRUE(driver_.run_until([&] { return !events_.prefetched.empty(); }, 60s));
  EXPECT_TRUE(events_.prefetched[0].ok);
  EXPECT_EQ(events_.prefetched[0].server, 1u);
  EXPECT_TRUE(backend_->has_image(1, image_));
  EXPECT_EQ(backend_->pulls_started(), 1u);
  // The second tag docker-env pushes (an image change without a rebuild) pulls too.
  const std::string image_2 = vars_["GAME_IMAGE_2"];
  ASSERT_FALSE(image_2.empty());
  backend_->prefetch(1, image_2);
  ASSERT_TRUE(driver_.run_until([&] { return events_.prefetched.size() == 2; }, 60s));
  EXPECT_TRUE(events_.prefetched[1].ok);
  EXPECT_TRUE(backend_->has_image(1, image_2));
  // Already there: ok at once, no pull.
  backend_->prefetch(1, image_2);
  ASSERT_TRUE(driver_.run_until([&] { return events_.prefetched.size() == 3; }, 5s));
  EXPECT_TRUE(events_.prefetched[2].ok);
  EXPECT_EQ(backend_->pulls_started(), 2u);
  engine_call(sockets_[1], "DELETE", "/images/" + image_2 + "?force=true");
}

}  // namespace
}  // namespace ringside::docker_test

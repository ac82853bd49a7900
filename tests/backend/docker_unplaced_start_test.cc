// A start the store knows no server of (its node died or restarted while it was queued or
// pulling, or in the few ms between Docker's create and the store's kCreating) is looked for
// on every engine by its ringside.session label: adopted where it is found, given back to
// placement (on_no_room) once every engine has listed none of it, failed when an engine did
// not list in time (it may hold the container: never placed twice).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backend/docker_scripted_fixture.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

class DockerUnplacedStartTest : public DockerScriptedTest {
 protected:
  void TearDown() override {
    backend_.reset();
    second_.reset();
    DockerScriptedTest::TearDown();
  }

  // Two engines: d1 (the fixture's engine) and d2, answered by `second`. `second` runs on the
  // engine's threads until TearDown() destroys it, after the test body has returned: it holds
  // copies, never references to the body's locals.
  void make_two(FakeDockerEngine::Handler second) {
    engine_ = std::make_unique<FakeDockerEngine>([this](const Call& c) { return engine(c); });
    second_ = std::make_unique<FakeDockerEngine>(std::move(second));
    std::vector<DockerEngine> engines;
    for (const auto& [name, fake] : {std::pair{"d1", engine_.get()}, {"d2", second_.get()}}) {
      DockerEngine e;
      e.info.name = name;
      e.info.url_base = "http://127.0.0.1";
      e.info.cpu_millicores = 16'000;
      e.info.memory_mb = 4096;
      e.info.slots = 8;
      e.address = fake->address();
      engines.push_back(std::move(e));
    }
    DockerOptions o;
    o.save_root = save_root_;
    o.lost_timeout_ms = 1'500;  // the recovery deadline
    o.ping_interval_ms = 200;
    backend_ = std::make_unique<DockerBackend>(std::move(engines), o, driver_.reactor(), events_,
                                               metrics_);
  }

  static PlacedSession unplaced(const Launch& l) {
    PlacedSession r = test_session(l.id, random_id128(), kUnknownServer);
    r.was_running = false;
    return r;
  }

  size_t creates(const FakeDockerEngine& e) const { return e.count("POST", "/containers/create"); }

  std::unique_ptr<FakeDockerEngine> second_;
};

TEST_F(DockerUnplacedStartTest, FoundOnAnEngineItIsRelocatedThereAndAdopted) {
  Launch l;
  make_two([l](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{200, "[" + listed("c-made", "ringside-slot-3", l.text, "p-test") + "]"};
    }
    return FakeDockerEngine::healthy(c);
  });
  backend_->recover({unplaced(l)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_EQ(events_.relocations(l.id), std::vector<uint32_t>{1});
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), "c-made");
  EXPECT_FALSE(events_.got_no_room(l.id));
  EXPECT_EQ(creates(*engine_) + creates(*second_), 0u);
}

TEST_F(DockerUnplacedStartTest, FoundExitedOnAnEngineItIsRemovedAndFailed) {
  Launch l;
  make_two([l](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{200,
                   "[" + listed("c-exited", "ringside-slot-3", l.text, "p-test", "exited") + "]"};
    }
    return FakeDockerEngine::healthy(c);
  });
  backend_->recover({unplaced(l)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_EQ(events_.relocations(l.id), std::vector<uint32_t>{1});
  EXPECT_EQ(events_.start_failed(l.id), SessionError::kStartFailed);
  EXPECT_EQ(second_->count("DELETE", "/containers/c-exited"), 1u);
  EXPECT_FALSE(events_.got_no_room(l.id));
}

TEST_F(DockerUnplacedStartTest, OnNoEngineOnceEveryEngineListedItIsGivenBackToPlacement) {
  Launch l;
  make_two([](const Call& c) { return FakeDockerEngine::healthy(c); });
  backend_->recover({unplaced(l)});
  EXPECT_FALSE(events_.got_no_room(l.id));  // never from inside recover()
  ASSERT_TRUE(driver_.run_until([&] { return events_.got_no_room(l.id); }, 5s))
      << events_.describe();
  EXPECT_GE(engine_->count("GET", "/containers/json"), 1u);
  EXPECT_GE(second_->count("GET", "/containers/json"), 1u);
  driver_.run_for(300ms);
  EXPECT_TRUE(events_.of(l.id).empty()) << events_.describe();  // nothing else of it
  EXPECT_EQ(events_.no_room.size(), 1u);
  EXPECT_EQ(creates(*engine_) + creates(*second_), 0u);
}

TEST_F(DockerUnplacedStartTest, AnEngineThatDoesNotListInTimeFailsItAndNeverGivesItBack) {
  Launch l;
  make_two([](const Call& c) {
    if (c.method == "GET" && c.target.starts_with("/containers/json")) {
      return Reply{500, R"({"message":"engine busy"})"};
    }
    return FakeDockerEngine::healthy(c);
  });
  backend_->recover({unplaced(l)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_EQ(events_.start_failed(l.id), SessionError::kStartFailed);
  EXPECT_FALSE(events_.got_no_room(l.id));
  EXPECT_TRUE(events_.relocations(l.id).empty());
  EXPECT_EQ(creates(*engine_) + creates(*second_), 0u);
}

}  // namespace
}  // namespace ringside

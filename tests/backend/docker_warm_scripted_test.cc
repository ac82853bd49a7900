// Warm containers after a restart against a scripted engine (docs/warm-pools.md "Docker"):
// whether a warm-labelled container was taken is read from its log, and a read that fails is
// "unknown", not "never taken".
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "backend/docker_scripted_fixture.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

// One frame of a multiplexed log: stream byte, 3 zero bytes, big-endian size.
std::string frame(std::string_view text) {
  std::string f = {1, 0, 0, 0, 0, 0, 0, static_cast<char>(text.size())};
  return f + std::string(text);
}

class DockerWarmScriptedTest : public DockerScriptedTest {
 protected:
  // A running warm container "w-1" of game chess is listed; its log answers 500 while
  // `fail_logs`, else it holds `log`.
  void make_warm_engine() {
    DockerOptions o;
    o.ping_interval_ms = 50;
    o.reconcile_interval_ms = 100;  // a listing on most pings
    o.lost_timeout_ms = 300;        // waiting past it is waiting for the read, not the deadline
    o.orphan_grace_ms = 100;
    make_backend(
        [this](const Call& c) {
          if (c.method == "GET" && c.target.starts_with("/containers/json")) {
            return Reply{200, R"([{"Id":"w-1","Image":"registry.test/game:1",)"
                              R"("Names":["/ringside-slot-0"],"Labels":{"ringside.warm":"chess",)"
                              R"("ringside.player":"warm-1"},"State":"running"}])"};
          }
          if (c.method == "GET" && c.target.starts_with("/containers/w-1/logs")) {
            if (fail_logs.load()) return Reply{500, R"({"message":"log driver hiccup"})"};
            std::lock_guard lock(log_mu);
            return Reply{200, log};
          }
          return engine(c);
        },
        8, o);
  }

  std::atomic<bool> fail_logs{true};
  std::mutex log_mu;
  std::string log;
};

// The restart finds the session's taken warm container, but its log cannot be read: the
// session is not ended lost (even past lost_timeout) and the container is not removed, neither
// as an untaken warm one nor as an orphan. Once a later listing reads the log, the session is
// adopted running in that container.
TEST_F(DockerWarmScriptedTest, ATakenWarmContainerWhoseLogFailsIsNotLostButAdoptedLater) {
  Launch l;
  {
    std::lock_guard lock(log_mu);
    log = frame("test game: warm\n") + frame("ringside-took " + l.text + " p-test\n");
  }
  make_warm_engine();
  PlacedSession r = test_session(l.id, random_id128(), 0);
  r.was_running = true;
  backend_->recover({r});
  driver_.run_for(800ms);
  EXPECT_GE(engine_->count("GET", "/containers/w-1/logs"), 2u);  // read again on later listings
  EXPECT_FALSE(events_.settled(l.id)) << events_.describe();
  EXPECT_TRUE(events_.warm_found.empty());
  EXPECT_EQ(engine_->count("DELETE", "/containers/w-1"), 0u);

  fail_logs = false;
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), "w-1");
  EXPECT_TRUE(events_.warm_found.empty());
  driver_.run_for(300ms);  // past the orphan grace
  EXPECT_EQ(engine_->count("DELETE", "/containers/w-1"), 0u);
}

// An untaken warm container whose log cannot be read at the restart is left alone, then
// reported to placement (on_warm_found) once a later listing reads its log.
TEST_F(DockerWarmScriptedTest, AnUntakenWarmContainerWhoseLogFailsIsFoundOnceItIsRead) {
  {
    std::lock_guard lock(log_mu);
    log = frame("test game: warm\n");
  }
  make_warm_engine();
  backend_->recover({});
  driver_.run_for(500ms);
  EXPECT_TRUE(events_.warm_found.empty());
  EXPECT_EQ(engine_->count("DELETE", "/containers/w-1"), 0u);

  fail_logs = false;
  ASSERT_TRUE(driver_.run_until([&] { return !events_.warm_found.empty(); }, 5s));
  EXPECT_EQ(events_.warm_found.size(), 1u);
  EXPECT_EQ(events_.warm_found[0].game, "chess");
}

// An untagged catalog image (Docker adds :latest): a prefetch reports it as placement asked for
// it, and a warm container is created with it, so a listing after a restart shows it so too.
TEST_F(DockerWarmScriptedTest, AnUntaggedImageKeepsTheCatalogsSpelling) {
  make_backend([this](const Call& c) { return engine(c); });
  backend_->prefetch(0, "registry.test/game");
  ASSERT_TRUE(driver_.run_until([&] { return !events_.prefetched.empty(); }, 5s));
  EXPECT_EQ(events_.prefetched[0].image, "registry.test/game");
  EXPECT_TRUE(events_.prefetched[0].ok);

  WarmContainer w;
  w.warm = 1;
  w.game_slug = "chess";
  w.image = "registry.test/game";
  w.label_player = "warm-1";
  backend_->warm_create(std::move(w));
  const auto created = [&] {
    for (const Call& c : engine_->calls()) {
      if (c.method == "POST" && c.target.starts_with("/containers/create")) return c.body;
    }
    return std::string();
  };
  ASSERT_TRUE(driver_.run_until([&] { return !created().empty(); }, 5s));
  EXPECT_NE(created().find(R"("Image":"registry.test/game")"), std::string::npos) << created();
}

}  // namespace
}  // namespace ringside

// The simulated backend's warm containers and pre-pull (backends/sim/sim_backend.h): ready after
// a start (and a pull where the image is missing), taken by a start that is running at once,
// gone with a vanished server, and a prefetch that ends with on_prefetched.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/sim/sim_backend.h"
#include "core/timer_wheel.h"

namespace ringside {
namespace {

constexpr uint32_t kPullMs = 1000;
constexpr uint32_t kStartMs = 200;
constexpr char kCached[] = "registry.test/cached:1";
constexpr char kUncached[] = "registry.test/uncached:1";

// What the sim reported, in order, as short words.
class WarmEvents : public BackendEvents {
 public:
  void on_phase(const Id128&, StartPhase) override { got.emplace_back("phase"); }
  void on_running(const Id128&) override { got.emplace_back("running"); }
  void on_start_failed(const Id128&, SessionError) override { got.emplace_back("failed"); }
  void on_stopped(const Id128&, const SessionFigures&) override { got.emplace_back("stopped"); }
  void on_lost(const Id128&, SessionError) override { got.emplace_back("lost"); }
  void on_no_room(const Id128&) override { got.emplace_back("no_room"); }
  void on_server_health(uint32_t, bool up) override { got.emplace_back(up ? "up" : "down"); }
  void on_warm_ready(uint64_t warm) override { got.push_back("ready " + std::to_string(warm)); }
  void on_warm_gone(uint64_t warm) override { got.push_back("gone " + std::to_string(warm)); }
  void on_prefetched(uint32_t server, std::string_view image, bool ok) override {
    got.push_back("prefetched " + std::to_string(server) + " " + std::string(image) +
                  (ok ? " ok" : " failed"));
  }

  std::vector<std::string> take() { return std::exchange(got, {}); }
  std::vector<std::string> got;
};

class SimWarmTest : public ::testing::Test {
 protected:
  SimWarmTest() {
    SimOptions o;
    o.pull_ms = kPullMs;
    o.start_ms = kStartMs;
    o.preloaded_images = {kCached};
    std::vector<GameServerInfo> fleet(2);
    fleet[0].name = "gs01";
    fleet[1].name = "gs02";
    sim_ = std::make_unique<SimBackend>(
        std::move(fleet), std::move(o), wheel_, [this] { return now_; }, events_);
  }

  void advance(uint64_t ms) {
    now_ += ms;
    wheel_.advance(now_);
  }

  void create(uint64_t warm, const char* image, uint32_t server = 0) {
    WarmContainer w;
    w.warm = warm;
    w.image = image;
    w.server = server;
    sim_->warm_create(w);
  }

  void take(uint64_t n, uint64_t warm, uint32_t server = 0) {
    PlacedSession spec;
    spec.session = {0x5e55, n};
    spec.image = kCached;
    spec.server = server;
    spec.warm = warm;
    sim_->start(spec);
  }

  uint64_t now_ = 1'000;
  TimerWheel wheel_{10, 64, now_};
  WarmEvents events_;
  std::unique_ptr<SimBackend> sim_;
};

TEST_F(SimWarmTest, AWarmContainerIsReadyAfterAStartAndATakeRunsAtOnce) {
  EXPECT_TRUE(sim_->supports_warm());
  create(7, kCached);
  advance(kStartMs - 10);
  EXPECT_TRUE(events_.take().empty());
  advance(10);
  EXPECT_EQ(events_.take(), std::vector<std::string>{"ready 7"});

  take(1, 7);
  EXPECT_TRUE(events_.take().empty());  // never from inside start()
  advance(0);
  EXPECT_EQ(events_.take(), std::vector<std::string>{"running"});  // no phase: nothing made
  EXPECT_EQ(sim_->warm_count(), 0u);
  EXPECT_EQ(sim_->session_count(), 1u);
}

TEST_F(SimWarmTest, OneOnAServerWithoutTheImagePullsItFirst) {
  create(8, kUncached, 1);
  advance(kStartMs);
  EXPECT_TRUE(events_.take().empty());
  advance(kPullMs);
  EXPECT_EQ(events_.take(), std::vector<std::string>{"ready 8"});
  EXPECT_TRUE(sim_->has_image(1, kUncached));
}

TEST_F(SimWarmTest, ATakeOfOneNotHeldIsNoRoomAndARetiredOneNeverReports) {
  create(9, kCached);
  sim_->warm_retire(9);
  advance(kStartMs);
  EXPECT_TRUE(events_.take().empty());
  take(2, 9);
  advance(0);
  EXPECT_EQ(events_.take(), std::vector<std::string>{"no_room"});
  EXPECT_EQ(sim_->session_count(), 0u);
}

TEST_F(SimWarmTest, AVanishedServerTakesItsWarmContainersWithIt) {
  create(10, kCached, 1);
  create(11, kCached, 0);
  advance(kStartMs);
  events_.take();
  sim_->vanish_server(1);
  EXPECT_EQ(events_.take(), (std::vector<std::string>{"down", "gone 10"}));
  EXPECT_EQ(sim_->warm_count(), 1u);
}

TEST_F(SimWarmTest, APrefetchPullsTheImageAndSaysSo) {
  sim_->prefetch(1, kUncached);
  sim_->prefetch(0, kCached);
  advance(0);  // already there: answered on the next turn
  EXPECT_EQ(events_.take(),
            std::vector<std::string>{std::string("prefetched 0 ") + kCached + " ok"});
  advance(kPullMs);
  EXPECT_EQ(events_.take(),
            std::vector<std::string>{std::string("prefetched 1 ") + kUncached + " ok"});
  EXPECT_TRUE(sim_->has_image(1, kUncached));
  EXPECT_EQ(sim_->pulls_started(), 1u);
}

}  // namespace
}  // namespace ringside

// Two nodes' Docker backends on the same real engine (cluster mode): the engine's names keep
// them within its slots, however they race.
#include <gtest/gtest.h>

#include <unordered_set>

#include "backend/docker/docker_fixture.h"
#include "model/partition.h"

namespace ringside::docker_test {
namespace {

// What a second node's placement hears: RecordingEvents, plus the starts given back.
struct NodeEvents : RecordingEvents {
  void on_no_room(const Id128& session) override { no_room.insert(session); }
  void on_server_foreign(uint32_t, ForeignUse use) override { last_foreign = use; }
  std::unordered_set<Id128, Id128Hasher> no_room;
  ForeignUse last_foreign;
};

// Two nodes, each believing engine d1 (2 slots) empty, start two sessions there at once: two
// containers run, no more, and the other two starts come back to their placement (no room),
// leaving nothing behind. Each node then counts the other's container as foreign.
TEST_F(DockerBackendTest, TwoNodesRacingForAnEngineStayWithinItsSlots) {
  std::vector<DockerEngine> fleet = engines();
  fleet[0].info.slots = 2;
  NodeEvents first, second;
  // Two backends pinging two engines: a loaded machine must not make them flap here.
  DockerOptions o = options();
  o.ping_timeout_ms = 10'000;
  o.lost_timeout_ms = 60'000;
  // Each node on its own loop, as two processes would be (an HttpClient needs a reactor of
  // its own), both turned from this thread in turn.
  ReactorDriver other_loop;
  const auto run_until = [&](const std::function<bool()>& done, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      driver_.run_for(5ms);
      other_loop.run_for(5ms);
    }
    return done();
  };
  DockerBackend a(fleet, o, driver_.reactor(), first, metrics_);
  DockerBackend b(std::move(fleet), o, other_loop.reactor(), second, metrics_);
  // Their players in two partitions, one each: neither takes the other's containers for
  // orphans.
  const std::string player_a = "p-a";
  std::string player_b = "p-b";
  while (partition_of_player(player_b) == partition_of_player(player_a)) player_b += 'x';
  a.set_serves([&](uint16_t p) { return p == partition_of_player(player_a); });
  b.set_serves([&](uint16_t p) { return p == partition_of_player(player_b); });
  pull_image(0);                        // both create at once, not one after the other's pull
  run_until([] { return false; }, 1s);  // both know the image is there
  Launch l[4];
  for (int i = 0; i < 4; ++i) {
    DockerBackend& node = i % 2 == 0 ? a : b;
    PlacedSession spec = test_start(l[i].id, l[i].slot, 0, image_);
    spec.player_id = i % 2 == 0 ? player_a : player_b;
    node.start(std::move(spec));
  }
  const auto done = [&](int i) {
    NodeEvents& ev = i % 2 == 0 ? first : second;
    return ev.settled(l[i].id) || ev.no_room.contains(l[i].id);
  };
  ASSERT_TRUE(run_until([&] { return done(0) && done(1) && done(2) && done(3); }, 60s))
      << first.describe() << second.describe();
  int running = 0, no_room = 0;
  for (int i = 0; i < 4; ++i) {
    NodeEvents& ev = i % 2 == 0 ? first : second;
    running += ev.has_running(l[i].id);
    no_room += ev.no_room.contains(l[i].id);
  }
  EXPECT_EQ(running, 2) << first.describe() << second.describe();
  EXPECT_EQ(no_room, 2);
  EXPECT_EQ(session_containers(sockets_[0]).size(), 2u);
  // Each node sees what the other runs there (from its events), with its limits.
  if (a.session_count() == 1 && b.session_count() == 1) {
    ASSERT_TRUE(run_until(
        [&] { return first.last_foreign.slots == 1 && second.last_foreign.slots == 1; }, 10s));
    EXPECT_EQ(first.last_foreign, (ForeignUse{1, 1000, 64}));
  }
  for (int i = 0; i < 4; ++i) {
    (i % 2 == 0 ? a : b).stop(l[i].id);
  }
  ASSERT_TRUE(run_until([&] { return a.session_count() + b.session_count() == 0; }, 60s));
  EXPECT_TRUE(session_containers(sockets_[0]).empty());
}

}  // namespace
}  // namespace ringside::docker_test

#include "sched/scheduler.h"
#include "tests/unit/scheduler_servers.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace ringside {
namespace {

using Outcome = Scheduler::Outcome;

PlacementRequest request(uint64_t id, double cores, double memory_mb, uint32_t image = 0) {
  return {id, image, ResourceProfile{cores, memory_mb, 1, 1}};
}

TEST(Reservation, RoundsUpToWholeMillicoresAndMegabytes) {
  const Reservation r = reservation_for({0.1234, 100.2, 1, 1});
  EXPECT_EQ(r.cpu_millicores, 124u);
  EXPECT_EQ(r.memory_mb, 101u);
  const Reservation unknown = reservation_for({std::numeric_limits<double>::quiet_NaN(), -3, 0, 0});
  EXPECT_EQ(unknown.cpu_millicores, 0u);
  EXPECT_EQ(unknown.memory_mb, 0u);
}

TEST(ServerState, RemembersImagesById) {
  ServerState s;
  for (uint32_t id : {0u, 63u, 64u, 1000u}) {
    EXPECT_FALSE(s.has_image(id));
    s.add_image(id);
    EXPECT_TRUE(s.has_image(id));
  }
  EXPECT_FALSE(s.has_image(1));
  EXPECT_FALSE(s.has_image(65));
  s.remove_image(64);
  EXPECT_FALSE(s.has_image(64));
  EXPECT_TRUE(s.has_image(63));
  s.remove_image(5000);  // never added: nothing happens
  EXPECT_TRUE(s.has_image(1000));
}

TEST(Scheduler, PlacesAndReservesTheProfile) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 4));
  Placement p{};
  ASSERT_EQ(sched.submit(request(7, 1.5, 2048.5), &p), Outcome::kPlaced);
  EXPECT_EQ(p.request_id, 7u);
  EXPECT_EQ(p.server, 0u);
  EXPECT_FALSE(p.cached);
  EXPECT_EQ(p.reserved.cpu_millicores, 1500u);
  EXPECT_EQ(p.reserved.memory_mb, 2049u);
  const ServerState& s = sched.server(0);
  EXPECT_EQ(s.cpu_reserved_millicores, 1500u);
  EXPECT_EQ(s.memory_reserved_mb, 2049u);
  EXPECT_EQ(s.slots_used, 1u);
}

TEST(Scheduler, CachedImageBeatsABetterFitElsewhere) {
  Scheduler sched(4);
  sched.add_server(make_server("empty", 8, 16000, 8));
  sched.add_server(make_server("busier, has the image", 8, 16000, 8));
  sched.server(1).add_image(3);
  sched.server(1).cpu_reserved_millicores = 2000;
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 1000, /*image=*/3), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 1u);
  EXPECT_TRUE(p.cached);
  ASSERT_EQ(sched.submit(request(2, 1, 1000, /*image=*/9), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 0u);  // no server has image 9: the one with more room
  EXPECT_FALSE(p.cached);
}

TEST(Scheduler, SpreadsToTheServerWithTheMostRoomLeft) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 8));
  sched.add_server(make_server("b", 8, 16000, 8));
  Placement first{}, second{}, third{};
  ASSERT_EQ(sched.submit(request(1, 2, 1000), &first), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 2, 1000), &second), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(3, 2, 1000), &third), Outcome::kPlaced);
  EXPECT_EQ(first.server, 0u);  // a tie: lowest index
  EXPECT_EQ(second.server, 1u);
  EXPECT_EQ(third.server, 0u);
}

TEST(Scheduler, RoomIsJudgedByTheTightestResource) {
  Scheduler sched(4);
  sched.add_server(make_server("plenty of cpu, two slots", 64, 64000, 2));
  sched.add_server(make_server("less cpu, many slots", 8, 16000, 16));
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 1000), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 1u);  // 1 of 2 slots left (50%) is less room than 7/8 cores (87%)
}

TEST(Scheduler, FullServersAreSkippedEvenWithTheImage) {
  Scheduler sched(4);
  sched.add_server(make_server("cached, cpu full", 4, 16000, 8));
  sched.add_server(make_server("cached, memory full", 16, 4000, 8));
  sched.add_server(make_server("not cached", 16, 16000, 8));
  sched.server(0).add_image(1);
  sched.server(1).add_image(1);
  sched.server(0).cpu_reserved_millicores = 3500;
  sched.server(1).memory_reserved_mb = 3500;
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 1000, /*image=*/1), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 2u);
  EXPECT_FALSE(p.cached);
}

TEST(Scheduler, AServerTakesNoMoreSessionsThanItHasSlots) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 64, 64000, 2));
  Placement p{};
  EXPECT_EQ(sched.submit(request(1, 0.5, 100), &p), Outcome::kPlaced);
  EXPECT_EQ(sched.submit(request(2, 0.5, 100), &p), Outcome::kPlaced);
  EXPECT_EQ(sched.submit(request(3, 0.5, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.server(0).slots_used, 2u);
}

TEST(Scheduler, DownServersTakeNothingUntilTheyComeBack) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 8));
  sched.add_server(make_server("b", 8, 16000, 8));
  sched.server(0).add_image(2);
  sched.set_server_up(0, false);
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 100, 2), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 1u);

  sched.set_server_up(1, false);
  EXPECT_EQ(sched.submit(request(2, 1, 100, 2), &p), Outcome::kQueued);
  std::vector<Placement> placed;
  sched.drain_queue(placed);
  EXPECT_TRUE(placed.empty());

  sched.set_server_up(0, true);
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 2u);
  EXPECT_EQ(placed[0].server, 0u);
  EXPECT_TRUE(placed[0].cached);
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(Scheduler, ReleasePlacesQueuedRequestsOldestFirst) {
  Scheduler sched(8);
  sched.add_server(make_server("a", 4, 16000, 8));
  Placement big{};
  ASSERT_EQ(sched.submit(request(1, 4, 1000), &big), Outcome::kPlaced);
  Placement unused{};
  for (uint64_t id = 2; id <= 4; ++id) {
    ASSERT_EQ(sched.submit(request(id, 2, 1000), &unused), Outcome::kQueued);
  }
  EXPECT_EQ(sched.queued(), 3u);

  std::vector<Placement> placed;
  sched.release(big.server, big.reserved, placed);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[0].request_id, 2u);
  EXPECT_EQ(placed[1].request_id, 3u);
  EXPECT_EQ(sched.queued(), 1u);

  sched.release(placed[0].server, placed[0].reserved, placed);
  ASSERT_EQ(placed.size(), 3u);
  EXPECT_EQ(placed[2].request_id, 4u);
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(Scheduler, AFullQueueRejects) {
  Scheduler sched(2);
  sched.add_server(make_server("a", 1, 16000, 1));
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 100), &p), Outcome::kPlaced);
  EXPECT_EQ(sched.submit(request(2, 1, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.submit(request(3, 1, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.submit(request(4, 1, 100), &p), Outcome::kRejected);
  EXPECT_EQ(sched.queued(), 2u);
}

TEST(Scheduler, RejectsOnlyWhenNoServerTakesSessions) {
  Scheduler sched(4);
  Placement p{};
  EXPECT_EQ(sched.submit(request(1, 1, 100), &p), Outcome::kRejected);  // no servers at all
  sched.add_server(make_server("no slots", 8, 16000, 0));
  EXPECT_EQ(sched.submit(request(2, 1, 100), &p), Outcome::kRejected);
  EXPECT_EQ(sched.queued(), 0u);
}

TEST(Scheduler, ADemandLargerThanEveryServerGetsTheServerThatKeepsMostOfIt) {
  Scheduler sched(4);
  sched.add_server(make_server("cpu", 8, 4000, 8));
  sched.add_server(make_server("memory", 2, 64000, 8));
  Placement p{};
  // 16 cores and 8 GB: "cpu" keeps half of it (8 of 16 cores, 4 of 8 GB), "memory" an eighth.
  ASSERT_EQ(sched.submit(request(1, 16, 8000), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 0u);
  EXPECT_EQ(p.reserved.cpu_millicores, 8000u);
  EXPECT_EQ(p.reserved.memory_mb, 4000u);
  // 9 cores, 100 MB: over every server's CPU, held whole by none; "cpu" keeps 8/9 of it.
  ASSERT_EQ(sched.submit(request(2, 9, 100), &p), Outcome::kQueued);  // "cpu" is full now
  std::vector<Placement> placed;
  sched.release(0, {8000, 4000}, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].server, 0u);
  EXPECT_EQ(placed[0].reserved.cpu_millicores, 8000u);
  EXPECT_EQ(placed[0].reserved.memory_mb, 100u);
}

TEST(Scheduler, LargestCapacityIsEachFiguresMaximumOverServersThatTakeSessions) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 4000, 8));
  sched.add_server(make_server("b", 2, 64000, 8));
  sched.add_server(make_server("no slots", 64, 512000, 0));
  const Reservation most = sched.largest_capacity();
  EXPECT_EQ(most.cpu_millicores, 8000u);
  EXPECT_EQ(most.memory_mb, 64000u);
}

TEST(Scheduler, ASmallerCapacityFitsTheQueuedRequestsAgain) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 4, 16000, 8));
  Placement first{}, p{};
  ASSERT_EQ(sched.submit(request(1, 4, 100), &first), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 4, 100), &p), Outcome::kQueued);
  // The server turns out to have 2 cores: the queued request would fit nowhere any more.
  sched.set_capacity(0, 2000, 16000);
  EXPECT_EQ(sched.server(0).cpu_capacity_millicores, 2000u);
  std::vector<Placement> placed;
  sched.release(first.server, first.reserved, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 2u);
  EXPECT_EQ(placed[0].reserved.cpu_millicores, 2000u);
}

TEST(Scheduler, CancelRemovesOnlyQueuedRequests) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 2, 16000, 8));
  Placement first{}, p{};
  ASSERT_EQ(sched.submit(request(1, 2, 100), &first), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 2, 100), &p), Outcome::kQueued);
  ASSERT_EQ(sched.submit(request(3, 2, 100), &p), Outcome::kQueued);

  EXPECT_FALSE(sched.cancel(1));   // placed, not queued
  EXPECT_FALSE(sched.cancel(99));  // unknown
  EXPECT_TRUE(sched.cancel(2));
  EXPECT_FALSE(sched.cancel(2));
  EXPECT_EQ(sched.queued(), 1u);

  std::vector<Placement> placed;
  sched.release(first.server, first.reserved, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 3u);
}

TEST(Scheduler, SmallerRequestsPassALargeOneThatDoesNotFit) {
  Scheduler sched(8, /*max_bypass=*/2);
  sched.add_server(make_server("a", 4, 16000, 16));
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 3, 100), &p), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 4, 100), &p), Outcome::kQueued);  // needs the whole server
  EXPECT_EQ(sched.submit(request(3, 0.5, 100), &p), Outcome::kPlaced);
  EXPECT_EQ(sched.submit(request(4, 0.5, 100), &p), Outcome::kPlaced);
  // Passed twice: the queue now holds for it.
  EXPECT_EQ(sched.submit(request(5, 0.5, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.queued(), 2u);
}

TEST(Scheduler, AHeldQueueSavesFreedCapacityForItsOldestRequest) {
  Scheduler sched(8, /*max_bypass=*/1);
  sched.add_server(make_server("a", 4, 16000, 16));
  Placement a{}, b{}, p{};
  ASSERT_EQ(sched.submit(request(1, 2, 100), &a), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 2, 100), &b), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(3, 4, 100), &p), Outcome::kQueued);  // large
  ASSERT_EQ(sched.submit(request(4, 1, 100), &p), Outcome::kQueued);  // small

  // 2 cores free: the small one passes the large one once, which uses up its allowance.
  std::vector<Placement> placed;
  sched.release(a.server, a.reserved, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 4u);
  EXPECT_EQ(sched.submit(request(5, 1, 100), &p), Outcome::kQueued);  // 1 core free, held

  // The small one ends: 2 cores free, but still held for the large one.
  sched.release(placed[0].server, placed[0].reserved, placed);
  EXPECT_EQ(placed.size(), 1u);
  sched.release(b.server, b.reserved, placed);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[1].request_id, 3u);
  EXPECT_EQ(sched.queued(), 1u);  // request 5 waits for the large one to end
}

TEST(Scheduler, StrictFifoWhenNoPassingIsAllowed) {
  Scheduler sched(8, /*max_bypass=*/0);
  sched.add_server(make_server("a", 4, 16000, 16));
  Placement a{}, p{};
  ASSERT_EQ(sched.submit(request(1, 3, 100), &a), Outcome::kPlaced);
  ASSERT_EQ(sched.submit(request(2, 4, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.submit(request(3, 0.5, 100), &p), Outcome::kQueued);
  std::vector<Placement> placed;
  sched.drain_queue(placed);
  EXPECT_TRUE(placed.empty());
  sched.release(a.server, a.reserved, placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 2u);
}

TEST(Scheduler, ARequestOnlyADownServerCouldHoldDoesNotHoldTheQueue) {
  Scheduler sched(8, /*max_bypass=*/0);
  sched.add_server(make_server("small", 2, 16000, 16));
  sched.add_server(make_server("large, down", 16, 64000, 16));
  sched.set_server_up(1, false);
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 8, 100), &p), Outcome::kQueued);
  EXPECT_EQ(sched.submit(request(2, 1, 100), &p), Outcome::kPlaced);

  sched.set_server_up(1, true);
  std::vector<Placement> placed;
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 1u);
  EXPECT_EQ(placed[0].server, 1u);
}

TEST(Scheduler, PlaceReleaseCyclesReturnToExactlyZero) {
  Scheduler sched(64);
  for (uint32_t i = 0; i < 4; ++i) sched.add_server(make_server("s", 8, 32000, 12));
  const double cores[] = {0.1, 0.3333, 1.7, 0.05, 2.25};
  const double memory[] = {100.1, 333.3, 1024.7, 77.7, 2048.0001};
  std::vector<Placement> live;
  std::vector<Placement> placed;
  uint64_t next_id = 1;
  for (int round = 0; round < 200; ++round) {
    for (int k = 0; k < 7; ++k) {
      Placement p{};
      const size_t pick = (round * 7 + k) % 5;
      if (sched.submit(request(next_id++, cores[pick], memory[pick], k % 3), &p) ==
          Outcome::kPlaced) {
        live.push_back(p);
      }
    }
    // Release every other live placement, oldest first; queued ones placed on the way join.
    for (size_t i = 0; i < live.size(); i += 2) {
      sched.release(live[i].server, live[i].reserved, placed);
      live[i] = live.back();
      live.pop_back();
    }
    live.insert(live.end(), placed.begin(), placed.end());
    placed.clear();
  }
  while (!live.empty() || sched.queued() > 0) {
    ASSERT_FALSE(live.empty()) << "queued requests left with nothing running";
    const Placement p = live.back();
    live.pop_back();
    sched.release(p.server, p.reserved, live);
  }
  for (uint32_t i = 0; i < sched.server_count(); ++i) {
    EXPECT_EQ(sched.server(i).cpu_reserved_millicores, 0u);
    EXPECT_EQ(sched.server(i).memory_reserved_mb, 0u);
    EXPECT_EQ(sched.server(i).slots_used, 0u);
  }
}

// What other nodes run on a server (foreign use) takes its slots, CPU and memory as this
// node's own sessions do.
TEST(Scheduler, ForeignUseIsTakenAndItsDropLetsTheQueueIn) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 3));
  EXPECT_FALSE(sched.set_foreign(0, {2, 0, 0}));  // grew: nothing to drain for
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 1000), &p), Outcome::kPlaced);
  EXPECT_EQ(sched.submit(request(2, 1, 1000), &p), Outcome::kQueued);  // 2 foreign + 1 own

  std::vector<Placement> placed;
  EXPECT_TRUE(sched.set_foreign(0, {1, 0, 0}));
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].request_id, 2u);
}

TEST(Scheduler, ForeignCpuAndMemoryAreTakenToo) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 4));
  sched.set_foreign(0, {0, 7000, 0});
  Placement p{};
  EXPECT_EQ(sched.submit(request(1, 2, 1000), &p), Outcome::kQueued);  // 7 + 2 > 8 cores
  std::vector<Placement> placed;
  ASSERT_TRUE(sched.set_foreign(0, {0, 5000, 0}));
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 1u);

  sched.set_foreign(0, {0, 5000, 14500});
  EXPECT_EQ(sched.submit(request(2, 1, 1000), &p), Outcome::kQueued);  // 1000 + 14500 + 1000 MB
}

TEST(Scheduler, ReleaseReturnsOwnReservationsToZeroWhateverForeignUseIsSet) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 4));
  sched.set_foreign(0, {1, 1500, 3000});
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1.5, 2000), &p), Outcome::kPlaced);
  std::vector<Placement> placed;
  sched.release(p.server, p.reserved, placed);
  EXPECT_EQ(sched.server(0).cpu_reserved_millicores, 0u);
  EXPECT_EQ(sched.server(0).memory_reserved_mb, 0u);
  EXPECT_EQ(sched.server(0).slots_used, 0u);
  EXPECT_EQ(sched.server(0).foreign, (ForeignUse{1, 1500, 3000}));
}

TEST(Scheduler, SpreadingCountsForeignUseAsTaken) {
  Scheduler sched(4);
  sched.add_server(make_server("busy elsewhere", 8, 16000, 4));
  sched.add_server(make_server("idle", 8, 16000, 4));
  sched.set_foreign(0, {2, 2000, 2000});
  Placement p{};
  ASSERT_EQ(sched.submit(request(1, 1, 1000), &p), Outcome::kPlaced);
  EXPECT_EQ(p.server, 1u);  // a tie on own reservations would have kept the lowest index
}

// Foreign use is not capacity: it ends as own sessions do. A demand is never cut to what
// others leave free for now, and a queued request waits for others' sessions to end.
TEST(Scheduler, ForeignUseDoesNotCutADemandNorTheLargestCapacity) {
  Scheduler sched(4);
  sched.add_server(make_server("a", 8, 16000, 4));
  sched.set_foreign(0, {1, 6000, 0});
  Placement p{};
  EXPECT_EQ(sched.submit(request(1, 4, 1000), &p), Outcome::kQueued);
  EXPECT_EQ(sched.largest_capacity().cpu_millicores, 8000u);
  std::vector<Placement> placed;
  ASSERT_TRUE(sched.set_foreign(0, {0, 0, 0}));
  sched.drain_queue(placed);
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(placed[0].reserved.cpu_millicores, 4000u);
}

}  // namespace
}  // namespace ringside

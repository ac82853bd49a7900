#include "store/session_store.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/timer_wheel.h"
#include "model/ids.h"

namespace ringside {
namespace {

constexpr int64_t kIdleMs = int64_t{30} * 60'000;
constexpr uint32_t kTickMs = 100;
constexpr uint16_t kGameA = 2;
constexpr uint16_t kGameB = 7;

// A shard's session store as its thread sees it: the test is the reactor loop, moving the clock
// by hand and running the timers that are due. The idle handler only records its calls.
class SessionStoreTest : public ::testing::Test {
 protected:
  SessionStoreTest() {
    set_clock(1'000'000, 1'700'000'000'000);
    alice_ = store_.find_or_add_player("alice");
    bob_ = store_.find_or_add_player("bob");
  }

  void set_clock(uint64_t mono_ms, int64_t unix_ms) {
    clock_.mono_ms = mono_ms;
    clock_.mono_us = mono_ms * 1000;
    clock_.unix_ms = unix_ms;
    clock_.unix_s = unix_ms / 1000;
  }
  void advance(int64_t ms) {
    set_clock(clock_.mono_ms + static_cast<uint64_t>(ms), clock_.unix_ms + ms);
    wheel_.advance(clock_.mono_ms);
  }

  static void record_timeout(void* ctx, uint32_t session, EndReason why) {
    auto* self = static_cast<SessionStoreTest*>(ctx);
    (why == EndReason::kMaxDuration ? self->limit_calls_ : self->idle_calls_).push_back(session);
  }
  // A new session that became running now, with a time limit.
  uint32_t create_running(uint32_t player, uint32_t limit_s) {
    const uint32_t index = store_.create(player, kGameA, random_id128(), IdOwner{});
    GameSession& s = store_.session(index);
    store_.set_status(s, SessionStatus::kRunning);
    s.running_ms = clock_.unix_ms;
    store_.set_time_limit(s, limit_s);
    return index;
  }

  // Creates a session for `player` and ends it right away as stopped.
  uint32_t create_and_stop(uint32_t player) {
    uint32_t index = store_.create(player, kGameA, random_id128(), IdOwner{});
    store_.end(store_.session(index), SessionStatus::kStopped, EndReason::kStopped,
               SessionError::kNone, 1.0, 2.0);
    return index;
  }

  Clock clock_;
  TimerWheel wheel_{kTickMs, 4096, 1'000'000};
  std::vector<uint32_t> idle_calls_;
  std::vector<uint32_t> limit_calls_;
  SessionStore store_{wheel_, clock_, kIdleMs, &SessionStoreTest::record_timeout, this};
  uint32_t alice_ = 0;
  uint32_t bob_ = 0;
};

TEST_F(SessionStoreTest, FindOrAddPlayerIsStable) {
  EXPECT_NE(alice_, bob_);
  EXPECT_EQ(store_.find_or_add_player("alice"), alice_);
  EXPECT_EQ(store_.find_or_add_player("bob"), bob_);
  EXPECT_EQ(store_.player(alice_).id, "alice");
  EXPECT_EQ(store_.player(bob_).id, "bob");
  EXPECT_EQ(store_.player(alice_).active, kNoSession);
  EXPECT_EQ(store_.player_count(), 2u);
}

TEST_F(SessionStoreTest, IdsThatDifferOnlySlightlyAreDifferentPlayers) {
  const uint32_t upper = store_.find_or_add_player("Alice");
  const uint32_t longer = store_.find_or_add_player("alice ");
  const uint32_t with_nul = store_.find_or_add_player(std::string_view("alice\0", 6));
  EXPECT_NE(upper, alice_);
  EXPECT_NE(longer, alice_);
  EXPECT_NE(with_nul, alice_);
  EXPECT_NE(upper, longer);
  EXPECT_NE(longer, with_nul);
  EXPECT_EQ(store_.player_count(), 5u);
}

TEST_F(SessionStoreTest, ManyPlayersEachFindTheirOwnIndex) {
  constexpr int kPlayers = 100'000;
  std::vector<uint32_t> index(kPlayers);
  for (int i = 0; i < kPlayers; ++i) {
    index[i] = store_.find_or_add_player("player-" + std::to_string(i));
  }
  EXPECT_EQ(store_.player_count(), kPlayers + 2u);
  for (int i = 0; i < kPlayers; ++i) {
    const std::string id = "player-" + std::to_string(i);
    ASSERT_EQ(store_.find_or_add_player(id), index[i]) << id;
    ASSERT_EQ(store_.player(index[i]).id, id);
  }
  EXPECT_EQ(store_.player_count(), kPlayers + 2u);
  EXPECT_EQ(store_.find_or_add_player("alice"), alice_);
}

TEST_F(SessionStoreTest, CreateMakesTheActiveStartingSession) {
  const Id128 slot = random_id128();
  const uint32_t index = store_.create(alice_, kGameA, slot, IdOwner{});
  EXPECT_EQ(store_.player(alice_).active, index);
  EXPECT_EQ(store_.player(bob_).active, kNoSession);

  const GameSession& s = store_.session(index);
  EXPECT_EQ(s.player, alice_);
  EXPECT_EQ(s.game, kGameA);
  EXPECT_EQ(s.slot, slot);
  EXPECT_EQ(s.status, SessionStatus::kStarting);
  EXPECT_EQ(s.phase, StartPhase::kQueued);
  EXPECT_TRUE(s.active());
  EXPECT_EQ(s.started_ms, clock_.unix_ms);
  EXPECT_EQ(store_.idle_deadline_ms(s), clock_.unix_ms + kIdleMs);
  EXPECT_EQ(store_.session_count(), 1u);
}

TEST_F(SessionStoreTest, FindReturnsTheSessionOnlyToItsPlayer) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const Id128 id = store_.session(index).id;
  EXPECT_EQ(store_.find(id, alice_), &store_.session(index));
  EXPECT_EQ(store_.find(id), &store_.session(index));
  EXPECT_EQ(store_.index_of(id), index);
  EXPECT_EQ(store_.find(id, bob_), nullptr);
}

TEST_F(SessionStoreTest, UnknownIdsAreNotFound) {
  store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const Id128 unknown = random_id128();
  EXPECT_EQ(store_.find(unknown), nullptr);
  EXPECT_EQ(store_.find(unknown, alice_), nullptr);
  EXPECT_EQ(store_.find(Id128{}, alice_), nullptr);
  EXPECT_EQ(store_.index_of(unknown), kNoSession);
}

TEST_F(SessionStoreTest, SessionsOfDifferentPlayersAreDistinct) {
  const uint32_t a = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const uint32_t b = store_.create(bob_, kGameB, random_id128(), IdOwner{});
  EXPECT_NE(a, b);
  EXPECT_NE(store_.session(a).id, store_.session(b).id);
  EXPECT_EQ(store_.player(alice_).active, a);
  EXPECT_EQ(store_.player(bob_).active, b);
  EXPECT_EQ(store_.find(store_.session(b).id, bob_), &store_.session(b));
  EXPECT_EQ(store_.find(store_.session(b).id, alice_), nullptr);
}

TEST_F(SessionStoreTest, EndMovesTheSessionToHistoryWithItsFigures) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  advance(4'000);  // queued, pulled, started: not played
  store_.set_status(store_.session(index), SessionStatus::kRunning);
  store_.session(index).running_ms = clock_.unix_ms;
  advance(90'000);
  store_.end(store_.session(index), SessionStatus::kStopped, EndReason::kIdleTimeout,
             SessionError::kNone, 12.5, 345.0);

  const Player& p = store_.player(alice_);
  EXPECT_EQ(p.active, kNoSession);
  ASSERT_EQ(p.history.size(), 1u);
  EXPECT_EQ(p.history[0], index);

  const GameSession& s = store_.session(index);
  EXPECT_EQ(s.status, SessionStatus::kStopped);
  EXPECT_FALSE(s.active());
  EXPECT_EQ(s.end_reason, EndReason::kIdleTimeout);
  EXPECT_EQ(s.error, SessionError::kNone);
  EXPECT_EQ(s.ended_ms, clock_.unix_ms);
  EXPECT_EQ(s.duration_ms(clock_.unix_ms + 5000), 90'000);
  EXPECT_DOUBLE_EQ(s.cpu_seconds, 12.5);
  EXPECT_DOUBLE_EQ(s.peak_memory_mb, 345.0);
  // An ended session is still the player's to look at (history, details).
  EXPECT_EQ(store_.find(s.id, alice_), &s);
}

TEST_F(SessionStoreTest, EndRecordsTheErrorOfAFailedSession) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  store_.end(store_.session(index), SessionStatus::kError, EndReason::kError,
             SessionError::kPullFailed, 0.0, 0.0);
  const GameSession& s = store_.session(index);
  EXPECT_EQ(s.status, SessionStatus::kError);
  EXPECT_EQ(s.end_reason, EndReason::kError);
  EXPECT_EQ(s.error, SessionError::kPullFailed);
  EXPECT_EQ(store_.player(alice_).active, kNoSession);
}

TEST_F(SessionStoreTest, DurationIsTheRunningTimeAndZeroForASessionThatNeverRan) {
  GameSession s;
  s.started_ms = 1'000'000;
  EXPECT_EQ(s.duration_ms(1'050'000), 0);  // starting: nothing played yet
  s.running_ms = 1'020'000;
  EXPECT_EQ(s.duration_ms(1'050'000), 30'000);  // running: so far
  s.ended_ms = 1'080'000;
  EXPECT_EQ(s.duration_ms(9'999'999), 60'000);
  s.running_ms = 0;  // stopped before it ran
  EXPECT_EQ(s.duration_ms(9'999'999), 0);
  s.running_ms = 1'090'000;  // the wall clock stepped back between running and the end
  EXPECT_EQ(s.duration_ms(9'999'999), 0);
}

TEST_F(SessionStoreTest, EndingAnOlderSessionKeepsTheActiveOne) {
  const uint32_t old_one = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  store_.set_status(store_.session(old_one), SessionStatus::kStopping);
  const uint32_t new_one = store_.create(alice_, kGameB, random_id128(), IdOwner{});
  store_.end(store_.session(old_one), SessionStatus::kStopped, EndReason::kStopped,
             SessionError::kNone, 1, 1);
  EXPECT_EQ(store_.player(alice_).active, new_one);
  EXPECT_EQ(store_.player(alice_).history, std::vector<uint32_t>{old_one});
}

TEST_F(SessionStoreTest, HistoryKeepsTheNewestSessionsOnly) {
  std::vector<Id128> ids;
  for (size_t i = 0; i < kHistoryKept + 5; ++i) {
    ids.push_back(store_.session(create_and_stop(alice_)).id);
    advance(1000);
  }
  const Player& p = store_.player(alice_);
  ASSERT_EQ(p.history.size(), kHistoryKept);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(store_.find(ids[i], alice_), nullptr) << i;
    EXPECT_EQ(store_.find(ids[i]), nullptr) << i;
  }
  for (size_t i = 5; i < ids.size(); ++i) {
    const GameSession* s = store_.find(ids[i], alice_);
    ASSERT_NE(s, nullptr) << i;
    EXPECT_EQ(p.history[i - 5], store_.index_of(ids[i])) << "history is oldest first";
  }
  EXPECT_EQ(store_.session_count(), kHistoryKept);
  EXPECT_EQ(store_.count(SessionStatus::kStopped), kHistoryKept);
}

TEST_F(SessionStoreTest, TrimmingOnePlayersHistoryLeavesOthersAlone) {
  const Id128 bobs = store_.session(create_and_stop(bob_)).id;
  for (size_t i = 0; i < kHistoryKept + 1; ++i) create_and_stop(alice_);
  EXPECT_EQ(store_.player(bob_).history.size(), 1u);
  EXPECT_NE(store_.find(bobs, bob_), nullptr);
}

TEST_F(SessionStoreTest, NewSlotIsFoundByItsId) {
  Player& p = store_.player(alice_);
  const SaveSlot& made = store_.new_slot(p, kGameA);
  const Id128 id = made.id;
  EXPECT_EQ(made.game, kGameA);
  EXPECT_EQ(made.created_ms, clock_.unix_ms);
  EXPECT_EQ(made.updated_ms, clock_.unix_ms);
  EXPECT_EQ(made.size_bytes, 0u);

  const SaveSlot* found = store_.find_slot(p, id);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(store_.find_slot(p, random_id128()), nullptr);
  // Slots belong to their player.
  EXPECT_EQ(store_.find_slot(store_.player(bob_), id), nullptr);
}

TEST_F(SessionStoreTest, LatestSlotIsTheMostRecentlyUpdatedOfThatGame) {
  Player& p = store_.player(alice_);
  EXPECT_EQ(store_.latest_slot(p, kGameA), nullptr);

  const Id128 first = store_.new_slot(p, kGameA).id;
  advance(1000);
  const Id128 second = store_.new_slot(p, kGameA).id;
  advance(1000);
  const Id128 other_game = store_.new_slot(p, kGameB).id;

  ASSERT_NE(store_.latest_slot(p, kGameA), nullptr);
  EXPECT_EQ(store_.latest_slot(p, kGameA)->id, second);
  EXPECT_EQ(store_.latest_slot(p, kGameB)->id, other_game);

  advance(1000);
  SaveSlot* played = store_.find_slot(p, first);  // a stop saved into the first slot
  ASSERT_NE(played, nullptr);
  played->updated_ms = clock_.unix_ms;
  played->size_bytes = 4096;
  EXPECT_EQ(store_.latest_slot(p, kGameA)->id, first);
  EXPECT_EQ(store_.latest_slot(p, kGameB)->id, other_game);
  EXPECT_EQ(store_.latest_slot(store_.player(bob_), kGameA), nullptr);
}

TEST_F(SessionStoreTest, IdleHandlerRunsAfterTheIdleTimeout) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  advance(kIdleMs - 1);
  EXPECT_TRUE(idle_calls_.empty());
  advance(1);
  EXPECT_EQ(idle_calls_, std::vector<uint32_t>{index});
  advance(kIdleMs * 3);
  EXPECT_EQ(idle_calls_.size(), 1u) << "called once, not on every tick";
}

TEST_F(SessionStoreTest, KeepalivesHoldTheIdleHandlerOff) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  store_.set_status(store_.session(index), SessionStatus::kRunning);
  for (int i = 0; i < 10; ++i) {  // five timeouts in all
    advance(kIdleMs / 2);
    store_.keepalive(store_.session(index));
    EXPECT_EQ(store_.idle_deadline_ms(store_.session(index)), clock_.unix_ms + kIdleMs);
  }
  EXPECT_TRUE(idle_calls_.empty());

  advance(kIdleMs - 1);  // the last keepalive's timeout, less 1 ms
  EXPECT_TRUE(idle_calls_.empty());
  advance(1);
  EXPECT_EQ(idle_calls_, std::vector<uint32_t>{index});
}

TEST_F(SessionStoreTest, IdleHandlerPicksTheIdleSessionOnly) {
  const uint32_t idle = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const uint32_t busy = store_.create(bob_, kGameA, random_id128(), IdOwner{});
  for (int i = 0; i < 3; ++i) {
    advance(kIdleMs / 2);
    store_.keepalive(store_.session(busy));
  }
  EXPECT_EQ(idle_calls_, std::vector<uint32_t>{idle});
}

TEST_F(SessionStoreTest, TimeLimitEndsARunningSessionAtRunningPlusLimit) {
  const int64_t running_ms = clock_.unix_ms;
  const uint32_t index = create_running(alice_, 5);
  EXPECT_EQ(store_.session(index).ends_at_ms(), running_ms + 5000);
  advance(2500);
  store_.keepalive(store_.session(index));  // keepalives do not hold the limit off
  advance(2499);
  EXPECT_TRUE(limit_calls_.empty());
  advance(1);
  EXPECT_EQ(limit_calls_, std::vector<uint32_t>{index});
  EXPECT_TRUE(idle_calls_.empty());
}

TEST_F(SessionStoreTest, NoTimeLimitMeansNoEndsAtAndOnlyTheIdleTimeout) {
  const uint32_t index = create_running(alice_, 0);
  EXPECT_EQ(store_.session(index).ends_at_ms(), 0);
  advance(kIdleMs);
  EXPECT_TRUE(limit_calls_.empty());
  EXPECT_EQ(idle_calls_, std::vector<uint32_t>{index});
}

TEST_F(SessionStoreTest, IdleTimeoutBeforeALongerLimitStillEndsIdle) {
  const uint32_t index = create_running(alice_, 3 * 3600);  // 3 h, idle after 30 min
  advance(kIdleMs);
  EXPECT_EQ(idle_calls_, std::vector<uint32_t>{index});
  EXPECT_TRUE(limit_calls_.empty());
}

TEST_F(SessionStoreTest, LimitOfAStartingSessionDoesNotApplyBeforeRunning) {
  const uint32_t index = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  GameSession& s = store_.session(index);
  store_.set_time_limit(s, 1);
  EXPECT_EQ(s.ends_at_ms(), 0);
  advance(5000);
  EXPECT_TRUE(limit_calls_.empty());
}

TEST_F(SessionStoreTest, RestoredRunningSessionPastItsLimitEndsAtOnce) {
  LoadedSession loaded;
  loaded.id = random_id128();
  loaded.slot = random_id128();
  loaded.game = kGameA;
  loaded.status = SessionStatus::kRunning;
  loaded.started_ms = clock_.unix_ms - 20'000;
  loaded.running_ms = clock_.unix_ms - 10'000;  // ran 10 s before the restart
  loaded.last_keepalive_ms = clock_.unix_ms;
  const uint32_t index = store_.restore(alice_, loaded);
  store_.set_time_limit(store_.session(index), 5);
  advance(kTickMs);
  EXPECT_EQ(limit_calls_, std::vector<uint32_t>{index});
}

TEST_F(SessionStoreTest, EndedSessionsAreNeverReportedIdle) {
  create_and_stop(alice_);
  advance(kIdleMs * 2);
  EXPECT_TRUE(idle_calls_.empty());
}

TEST_F(SessionStoreTest, CountFollowsStatusChanges) {
  const uint32_t a = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const uint32_t b = store_.create(bob_, kGameA, random_id128(), IdOwner{});
  EXPECT_EQ(store_.count(SessionStatus::kStarting), 2u);
  EXPECT_EQ(store_.count(SessionStatus::kRunning), 0u);

  store_.set_status(store_.session(a), SessionStatus::kRunning);
  EXPECT_EQ(store_.count(SessionStatus::kStarting), 1u);
  EXPECT_EQ(store_.count(SessionStatus::kRunning), 1u);

  store_.set_status(store_.session(a), SessionStatus::kStopping);
  EXPECT_EQ(store_.count(SessionStatus::kRunning), 0u);
  EXPECT_EQ(store_.count(SessionStatus::kStopping), 1u);

  store_.end(store_.session(a), SessionStatus::kStopped, EndReason::kStopped, SessionError::kNone,
             1, 1);
  store_.end(store_.session(b), SessionStatus::kError, EndReason::kError, SessionError::kNoServers,
             0, 0);
  EXPECT_EQ(store_.count(SessionStatus::kStarting), 0u);
  EXPECT_EQ(store_.count(SessionStatus::kRunning), 0u);
  EXPECT_EQ(store_.count(SessionStatus::kStopping), 0u);
  EXPECT_EQ(store_.count(SessionStatus::kStopped), 1u);
  EXPECT_EQ(store_.count(SessionStatus::kError), 1u);
}

// A released partition's players go with everything of theirs; a dropped session's idle
// timer never fires; the other partitions' players stay, and a player added again is new.
TEST_F(SessionStoreTest, DropPartitionForgetsItsPlayersAndTheirIdleTimers) {
  const uint16_t alice_partition = store_.player(alice_).partition;
  ASSERT_EQ(alice_partition, partition_of_player("alice"));
  ASSERT_NE(store_.player(bob_).partition, alice_partition);
  create_and_stop(alice_);
  const uint32_t active = store_.create(alice_, kGameA, random_id128(), IdOwner{});
  const Id128 active_id = store_.session(active).id;
  store_.new_slot(store_.player(alice_), kGameA);
  const uint32_t bobs = store_.create(bob_, kGameB, random_id128(), IdOwner{});

  std::vector<Id128> dropped;
  EXPECT_EQ(store_.drop_partition(alice_partition,
                                  [&](const GameSession& s) { dropped.push_back(s.id); }),
            1u);
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_EQ(store_.player_count(), 1u);
  EXPECT_EQ(store_.session_count(), 1u);
  EXPECT_EQ(store_.find(active_id), nullptr);
  EXPECT_EQ(store_.count(SessionStatus::kStopped), 0u);
  EXPECT_EQ(store_.count(SessionStatus::kStarting), 1u);  // bob's

  advance(kIdleMs + 1000);
  ASSERT_EQ(idle_calls_.size(), 1u);  // bob's only
  EXPECT_EQ(idle_calls_[0], bobs);
  const uint32_t again = store_.find_or_add_player("alice");
  EXPECT_EQ(store_.player(again).active, kNoSession);
  EXPECT_TRUE(store_.player(again).slots.empty());
  EXPECT_EQ(store_.find_or_add_player("bob"), bob_);
}

// Lazy write-back (docs/postgres.md): a session kept alive every 30 s is marked for write-back
// once per step (a tenth of the idle timeout) of its keepalive time, not after every keepalive.
class KeepaliveWriteBackTest : public SessionStoreTest {
 protected:
  KeepaliveWriteBackTest() { store_.track_keepalives(); }

  std::vector<int64_t> flush() {
    std::vector<int64_t> written;
    store_.take_kept_alive([&](const GameSession& s) { written.push_back(s.last_keepalive_ms); });
    return written;
  }
  std::vector<int64_t> flush_every_moved() {
    std::vector<int64_t> written;
    store_.take_unwritten_keepalives(
        [&](const GameSession& s) { written.push_back(s.last_keepalive_ms); });
    return written;
  }

  static constexpr int64_t kStepMs = kIdleMs / 10;
  static constexpr int64_t kKeepaliveMs = 30'000;
};

TEST_F(KeepaliveWriteBackTest, ASessionKeptAliveAllTheTimeIsWrittenOncePerStep) {
  ASSERT_EQ(store_.write_back_step_ms(), kStepMs);
  GameSession& s = store_.session(store_.create(alice_, kGameA, random_id128(), IdOwner{}));
  const int64_t launched = clock_.unix_ms;
  std::vector<int64_t> written;
  for (int64_t t = 0; t < 2 * kStepMs; t += kKeepaliveMs) {
    advance(kKeepaliveMs);
    store_.keepalive(s);
    for (int64_t at : flush()) written.push_back(at);  // a flush after each: 12 of them
  }
  EXPECT_EQ(written, (std::vector<int64_t>{launched + kStepMs, launched + 2 * kStepMs}));
}

TEST_F(KeepaliveWriteBackTest, AKeepaliveAStepPastTheWrittenTimeMarksItAgain) {
  GameSession& s = store_.session(store_.create(alice_, kGameA, random_id128(), IdOwner{}));
  advance(kStepMs - 1);
  store_.keepalive(s);
  EXPECT_TRUE(flush().empty()) << "marked before it moved by a step";
  advance(1);
  store_.keepalive(s);
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms});
  advance(kKeepaliveMs);
  store_.keepalive(s);
  EXPECT_TRUE(flush().empty());
  advance(kStepMs - kKeepaliveMs);
  store_.keepalive(s);
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms});
}

TEST_F(KeepaliveWriteBackTest, TheDrainWritesAKeepaliveMovedByLessThanAStepOfActiveSessions) {
  GameSession& kept = store_.session(store_.create(alice_, kGameA, random_id128(), IdOwner{}));
  store_.create(bob_, kGameA, random_id128(), IdOwner{});  // no keepalive since its launch
  advance(kKeepaliveMs);
  store_.keepalive(kept);
  EXPECT_TRUE(flush().empty());
  EXPECT_EQ(flush_every_moved(), std::vector<int64_t>{clock_.unix_ms});
  EXPECT_TRUE(flush_every_moved().empty());
  // An ended session's time is not touched (its end writes it).
  advance(kKeepaliveMs);
  store_.keepalive(kept);
  store_.end(kept, SessionStatus::kStopped, EndReason::kStopped, SessionError::kNone, 1.0, 2.0);
  EXPECT_TRUE(flush_every_moved().empty());
}

TEST_F(KeepaliveWriteBackTest, ARestoredSessionCountsItsLoadedKeepaliveAsWritten) {
  LoadedSession loaded;
  loaded.id = random_id128();
  loaded.status = SessionStatus::kRunning;
  loaded.started_ms = clock_.unix_ms - kStepMs;
  loaded.last_keepalive_ms = clock_.unix_ms - kStepMs + 1;
  GameSession& s = store_.session(store_.restore(alice_, loaded));
  EXPECT_FALSE(s.keepalive_unwritten());
  store_.keepalive(s);  // a step less 1 ms past the loaded time
  EXPECT_TRUE(flush().empty());
  EXPECT_TRUE(s.keepalive_unwritten());
  advance(1);
  store_.keepalive(s);
  EXPECT_EQ(flush(), std::vector<int64_t>{clock_.unix_ms});
  EXPECT_FALSE(s.keepalive_unwritten());
}

}  // namespace
}  // namespace ringside

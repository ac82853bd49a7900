#include "core/timer_wheel.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

namespace ringside {
namespace {

constexpr uint32_t kTickMs = 100;
constexpr uint32_t kSlots = 4096;
constexpr uint64_t kStartMs = 1'000'000;  // an arbitrary monotonic clock reading, not tick-aligned
constexpr uint64_t kHourMs = 3'600'000;
constexpr uint64_t kMinuteMs = 60'000;

// A timer's owner, as the server's objects will be: the node is a member, the callback finds the
// owner from it.
struct Probe {
  TimerNode node;
  int fired = 0;
  uint64_t fired_at_ms = 0;
  const uint64_t* clock_ms = nullptr;

  static void on_fire(TimerNode* n) {
    Probe* self = container_of(n);
    ++self->fired;
    self->fired_at_ms = *self->clock_ms;
  }
  static Probe* container_of(TimerNode* n) {
    return reinterpret_cast<Probe*>(reinterpret_cast<char*>(n) - offsetof(Probe, node));
  }
};

class TimerWheelTest : public ::testing::Test {
 protected:
  // Advances the wheel and the clock the probes read.
  size_t advance_to(uint64_t ms) {
    now_ms_ = ms;
    return wheel_.advance(ms);
  }
  Probe make_probe() {
    Probe p;
    p.node.on_fire = &Probe::on_fire;
    p.clock_ms = &now_ms_;
    return p;
  }
  // Sleeps the way the reactor does (ms_until_next_tick) until `probe` fired or `limit_ms`;
  // returns the number of wake-ups.
  int run_reactor_until_fired(const Probe& probe, uint64_t limit_ms) {
    int wakeups = 0;
    while (probe.fired == 0 && now_ms_ < limit_ms) {
      const int64_t wait = wheel_.ms_until_next_tick(now_ms_);
      EXPECT_GE(wait, 0);
      if (wait < 0) break;
      advance_to(now_ms_ + static_cast<uint64_t>(wait));
      ++wakeups;
    }
    return wakeups;
  }

  uint64_t now_ms_ = kStartMs;
  TimerWheel wheel_{kTickMs, kSlots, kStartMs};
};

TEST_F(TimerWheelTest, FiresAtItsDeadlineAndNeverBefore) {
  Probe p = make_probe();
  const uint64_t deadline = kStartMs + 1234;
  wheel_.arm(&p.node, deadline);
  EXPECT_TRUE(p.node.armed());
  for (uint64_t t = kStartMs + 1; t < deadline; ++t) {
    ASSERT_EQ(advance_to(t), 0u) << "at " << t;
  }
  EXPECT_EQ(p.fired, 0);
  EXPECT_EQ(advance_to(deadline), 1u);
  EXPECT_EQ(p.fired, 1);
  EXPECT_FALSE(p.node.armed());
  EXPECT_EQ(advance_to(deadline + 10 * uint64_t{kTickMs}), 0u);
  EXPECT_EQ(p.fired, 1);
}

TEST_F(TimerWheelTest, ReactorWaitsFireWithinOneTickOfTheDeadline) {
  std::vector<Probe> probes(50);
  for (size_t i = 0; i < probes.size(); ++i) {
    probes[i] = make_probe();
    wheel_.arm(&probes[i].node, kStartMs + 37 * i + 1);
  }
  while (wheel_.size() > 0) {
    const int64_t wait = wheel_.ms_until_next_tick(now_ms_);
    ASSERT_GT(wait, 0);
    advance_to(now_ms_ + static_cast<uint64_t>(wait));
  }
  for (size_t i = 0; i < probes.size(); ++i) {
    EXPECT_EQ(probes[i].fired, 1);
    EXPECT_GE(probes[i].fired_at_ms, probes[i].node.deadline_ms);
    EXPECT_LT(probes[i].fired_at_ms, probes[i].node.deadline_ms + kTickMs);
  }
}

TEST_F(TimerWheelTest, CancelPreventsFiring) {
  Probe kept = make_probe();
  Probe cancelled = make_probe();
  wheel_.arm(&kept.node, kStartMs + 500);
  wheel_.arm(&cancelled.node, kStartMs + 500);
  wheel_.cancel(&cancelled.node);
  EXPECT_FALSE(cancelled.node.armed());
  EXPECT_EQ(wheel_.size(), 1u);
  wheel_.cancel(&cancelled.node);  // not armed: no-op
  EXPECT_EQ(wheel_.size(), 1u);

  EXPECT_EQ(advance_to(kStartMs + 10'000), 1u);
  EXPECT_EQ(kept.fired, 1);
  EXPECT_EQ(cancelled.fired, 0);
}

TEST_F(TimerWheelTest, RearmMovesTheTimerLaterOrEarlier) {
  Probe later = make_probe();
  Probe earlier = make_probe();
  wheel_.arm(&later.node, kStartMs + 500);
  wheel_.arm(&later.node, kStartMs + 2000);
  wheel_.arm(&earlier.node, kStartMs + 5000);
  wheel_.arm(&earlier.node, kStartMs + 300);
  EXPECT_EQ(wheel_.size(), 2u);

  EXPECT_EQ(advance_to(kStartMs + 1000), 1u);
  EXPECT_EQ(earlier.fired, 1);
  EXPECT_EQ(later.fired, 0);
  EXPECT_EQ(advance_to(kStartMs + 2000), 1u);
  EXPECT_EQ(later.fired, 1);
  EXPECT_EQ(advance_to(kStartMs + 6000), 0u);
  EXPECT_EQ(earlier.fired, 1);
}

TEST_F(TimerWheelTest, ManyTimersInOneSlot) {
  // Same tick, and the same slot one and two revolutions later.
  const uint64_t revolution = uint64_t{kTickMs} * kSlots;
  const uint64_t tick_start = (kStartMs / kTickMs + 3) * kTickMs;
  std::vector<Probe> probes(3000);
  for (size_t i = 0; i < probes.size(); ++i) {
    probes[i] = make_probe();
    wheel_.arm(&probes[i].node, tick_start + (i % 1000) % kTickMs + revolution * (i / 1000));
  }
  for (size_t i = 0; i < probes.size(); i += 3) wheel_.cancel(&probes[i].node);
  EXPECT_EQ(wheel_.size(), 2000u);
  constexpr uint64_t kAll = ~uint64_t{0};
  auto kept_in = [&](size_t from, size_t to, uint64_t due_by) {
    size_t n = 0;
    for (size_t i = from; i < to; ++i) n += (i % 3 != 0 && probes[i].node.deadline_ms <= due_by);
    return n;
  };

  // Half way through the tick: only the first-revolution nodes due by then.
  const uint64_t mid = tick_start + kTickMs / 2;
  const size_t due_by_mid = kept_in(0, 1000, mid);
  EXPECT_GT(due_by_mid, 0u);
  EXPECT_EQ(advance_to(mid), due_by_mid);
  EXPECT_EQ(advance_to(tick_start + kTickMs), kept_in(0, 1000, kAll) - due_by_mid);
  EXPECT_EQ(advance_to(tick_start + revolution + kTickMs), kept_in(1000, 2000, kAll));
  EXPECT_EQ(advance_to(tick_start + 2 * revolution + kTickMs), kept_in(2000, 3000, kAll));
  for (size_t i = 0; i < probes.size(); ++i) {
    EXPECT_EQ(probes[i].fired, i % 3 == 0 ? 0 : 1) << i;
    if (probes[i].fired) {
      EXPECT_GE(probes[i].fired_at_ms, probes[i].node.deadline_ms) << i;
    }
  }
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST_F(TimerWheelTest, HourLongTimersFireOnTimeWithFewWakeups) {
  Probe hour = make_probe();
  Probe half_hour = make_probe();
  wheel_.arm(&hour.node, kStartMs + kHourMs);
  wheel_.arm(&half_hour.node, kStartMs + kHourMs / 2);

  // Each far node costs a look once per revolution (409.6 s), not one per tick (36000 in an
  // hour): about 9 + 5 wake-ups here.
  const int wakeups = run_reactor_until_fired(hour, kStartMs + 2 * kHourMs);
  EXPECT_LE(wakeups, 20);
  EXPECT_EQ(half_hour.fired, 1);
  EXPECT_GE(half_hour.fired_at_ms, kStartMs + kHourMs / 2);
  EXPECT_LT(half_hour.fired_at_ms, kStartMs + kHourMs / 2 + kTickMs);
  EXPECT_EQ(hour.fired, 1);
  EXPECT_GE(hour.fired_at_ms, kStartMs + kHourMs);
  EXPECT_LT(hour.fired_at_ms, kStartMs + kHourMs + kTickMs);
  EXPECT_EQ(wheel_.size(), 0u);
}

// Fires once, re-arms itself `period_ms` later and cancels `victim`.
struct Rearmer {
  TimerNode node;
  TimerWheel* wheel = nullptr;
  TimerNode* victim = nullptr;
  uint64_t period_ms = 0;
  int fired = 0;

  static void on_fire(TimerNode* n) {
    auto* self = reinterpret_cast<Rearmer*>(reinterpret_cast<char*>(n) - offsetof(Rearmer, node));
    ++self->fired;
    EXPECT_FALSE(n->armed());
    self->wheel->arm(n, n->deadline_ms + self->period_ms);
    if (self->victim) self->wheel->cancel(self->victim);
  }
};

TEST_F(TimerWheelTest, CallbackRearmsItselfAndCancelsAnotherDueInTheSameAdvance) {
  Probe victim = make_probe();
  Rearmer rearmer;
  rearmer.node.on_fire = &Rearmer::on_fire;
  rearmer.wheel = &wheel_;
  rearmer.victim = &victim.node;
  rearmer.period_ms = 1000;
  wheel_.arm(&rearmer.node, kStartMs + 100);
  wheel_.arm(&victim.node, kStartMs + 250);  // a later tick: the rearmer runs first

  EXPECT_EQ(advance_to(kStartMs + 300), 1u);
  EXPECT_EQ(rearmer.fired, 1);
  EXPECT_EQ(victim.fired, 0);
  EXPECT_FALSE(victim.node.armed());
  EXPECT_TRUE(rearmer.node.armed());
  EXPECT_EQ(wheel_.size(), 1u);

  EXPECT_EQ(advance_to(kStartMs + 1099), 0u);
  EXPECT_EQ(advance_to(kStartMs + 1100), 1u);
  EXPECT_EQ(rearmer.fired, 2);
  EXPECT_EQ(victim.fired, 0);
}

TEST_F(TimerWheelTest, CallbackRearmingItselfInThePastDoesNotLoop) {
  Rearmer rearmer;
  rearmer.node.on_fire = &Rearmer::on_fire;
  rearmer.wheel = &wheel_;
  rearmer.period_ms = 0;  // re-arms at its own deadline: overdue at once
  wheel_.arm(&rearmer.node, kStartMs + 50);

  EXPECT_EQ(advance_to(kStartMs + 50), 1u);
  EXPECT_TRUE(rearmer.node.armed());
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), 0);
  EXPECT_EQ(advance_to(kStartMs + 50), 1u);
  EXPECT_EQ(rearmer.fired, 2);
}

// Arms `other` at a deadline already past when it fires.
struct Chainer {
  TimerNode node;
  TimerWheel* wheel = nullptr;
  TimerNode* other = nullptr;
  uint64_t other_deadline_ms = 0;

  static void on_fire(TimerNode* n) {
    auto* self = reinterpret_cast<Chainer*>(reinterpret_cast<char*>(n) - offsetof(Chainer, node));
    self->wheel->arm(self->other, self->other_deadline_ms);
  }
};

TEST_F(TimerWheelTest, NodeArmedOverdueByACallbackFiresByTheNextAdvance) {
  Probe other = make_probe();
  Chainer chainer;
  chainer.node.on_fire = &Chainer::on_fire;
  chainer.wheel = &wheel_;
  chainer.other = &other.node;
  chainer.other_deadline_ms = kStartMs + 150;
  wheel_.arm(&chainer.node, kStartMs + 100);

  const size_t first = advance_to(kStartMs + 5000);
  const size_t second = advance_to(kStartMs + 5000);
  EXPECT_EQ(first + second, 2u);
  EXPECT_EQ(other.fired, 1);
  EXPECT_EQ(other.fired_at_ms, kStartMs + 5000);
}

TEST_F(TimerWheelTest, PastDeadlineFiresOnTheNextAdvance) {
  advance_to(kStartMs + 10'000);
  Probe p = make_probe();
  wheel_.arm(&p.node, kStartMs + 5);
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), 0);
  EXPECT_EQ(advance_to(now_ms_), 1u);
  EXPECT_EQ(p.fired, 1);
}

TEST_F(TimerWheelTest, AdvanceAfterALongJump) {
  Probe second = make_probe();
  Probe minutes = make_probe();
  Probe hour = make_probe();
  wheel_.arm(&second.node, kStartMs + 1000);
  wheel_.arm(&minutes.node, kStartMs + 5 * kMinuteMs);
  wheel_.arm(&hour.node, kStartMs + kHourMs);

  EXPECT_EQ(advance_to(kStartMs + 10 * kMinuteMs), 2u);
  EXPECT_EQ(second.fired, 1);
  EXPECT_EQ(minutes.fired, 1);
  EXPECT_EQ(hour.fired, 0);
  EXPECT_EQ(wheel_.size(), 1u);
  EXPECT_EQ(advance_to(kStartMs + kHourMs - 1), 0u);
  EXPECT_EQ(advance_to(kStartMs + kHourMs), 1u);
}

TEST(TimerWheel, HugeJumpDoesNotWalkEveryMissedTick) {
  // 2^50 one-millisecond ticks: walking them one by one would never finish.
  TimerWheel wheel(1, 64, 0);
  Probe p;
  uint64_t clock = 0;
  p.node.on_fire = &Probe::on_fire;
  p.clock_ms = &clock;
  wheel.arm(&p.node, uint64_t{1} << 49);
  clock = uint64_t{1} << 50;
  EXPECT_EQ(wheel.advance(clock), 1u);
  EXPECT_EQ(p.fired, 1);
}

TEST_F(TimerWheelTest, MsUntilNextTickPointsAtTheEndOfTheTickWithWork) {
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), -1);

  // kStartMs is tick-aligned; a deadline 250 ms ahead lies in the tick that ends 300 ms ahead.
  Probe p = make_probe();
  wheel_.arm(&p.node, kStartMs + 250);
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), 300);
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_ + 120), 180);

  // Work left in the current tick (1'000'000, 1'000'100]: its end.
  advance_to(kStartMs + 10);
  Probe soon = make_probe();
  wheel_.arm(&soon.node, kStartMs + 40);
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), 90);
  wheel_.cancel(&soon.node);
  EXPECT_EQ(advance_to(kStartMs + 100), 0u);

  // Far beyond one revolution: never more than one revolution away.
  wheel_.cancel(&p.node);
  wheel_.arm(&p.node, kStartMs + kHourMs);
  const int64_t wait = wheel_.ms_until_next_tick(now_ms_);
  EXPECT_GT(wait, 0);
  EXPECT_LE(wait, int64_t{kTickMs} * kSlots);

  wheel_.cancel(&p.node);
  EXPECT_EQ(wheel_.ms_until_next_tick(now_ms_), -1);
}

TEST_F(TimerWheelTest, SizeCountsArmedNodes) {
  Probe a = make_probe();
  Probe b = make_probe();
  EXPECT_EQ(wheel_.size(), 0u);
  wheel_.arm(&a.node, kStartMs + 100);
  wheel_.arm(&b.node, kStartMs + 900);
  wheel_.arm(&a.node, kStartMs + 200);  // a move, not a second timer
  EXPECT_EQ(wheel_.size(), 2u);
  advance_to(kStartMs + 500);
  EXPECT_EQ(wheel_.size(), 1u);
  wheel_.cancel(&b.node);
  EXPECT_EQ(wheel_.size(), 0u);
}

TEST(TimerWheel, SlotCountIsRoundedUpToAPowerOfTwo) {
  EXPECT_EQ(TimerWheel(100, 4096, 0).slot_count(), 4096u);
  EXPECT_EQ(TimerWheel(100, 1000, 0).slot_count(), 1024u);
  EXPECT_EQ(TimerWheel(100, 1, 0).slot_count(), 64u);
}

// Random arms, cancels and advances (short steps and jumps past a revolution) against a plain
// map of deadlines: every advance must fire exactly the nodes whose deadline has come.
TEST(TimerWheel, MatchesAReferenceModel) {
  constexpr size_t kNodes = 300;
  TimerWheel wheel(7, 64, 0);  // a revolution is 448 ms
  std::vector<Probe> probes(kNodes);
  uint64_t clock = 0;
  for (Probe& p : probes) {
    p.node.on_fire = &Probe::on_fire;
    p.clock_ms = &clock;
  }
  std::map<size_t, uint64_t> armed;  // probe index -> deadline
  std::mt19937_64 rng(42);
  for (int step = 0; step < 20'000; ++step) {
    const size_t i = rng() % kNodes;
    switch (rng() % 4) {
      case 0:
      case 1: {
        const uint64_t ahead = rng() % 8 == 0 ? rng() % 3000 : rng() % 60;
        const uint64_t deadline =
            rng() % 16 == 0 ? clock - std::min<uint64_t>(clock, 5) : clock + ahead;
        wheel.arm(&probes[i].node, deadline);
        armed[i] = deadline;
        break;
      }
      case 2:
        wheel.cancel(&probes[i].node);
        armed.erase(i);
        break;
      default: {
        clock += rng() % 64 == 0 ? rng() % 2000 : rng() % 10;
        std::vector<int> before(kNodes);
        for (size_t k = 0; k < kNodes; ++k) before[k] = probes[k].fired;
        const size_t fired = wheel.advance(clock);
        size_t expected = 0;
        for (auto it = armed.begin(); it != armed.end();) {
          if (it->second <= clock) {
            ASSERT_EQ(probes[it->first].fired, before[it->first] + 1) << "step " << step;
            ++expected;
            it = armed.erase(it);
          } else {
            ASSERT_EQ(probes[it->first].fired, before[it->first]) << "step " << step;
            ++it;
          }
        }
        ASSERT_EQ(fired, expected) << "step " << step;
      }
    }
    ASSERT_EQ(wheel.size(), armed.size());
  }
}

}  // namespace
}  // namespace ringside

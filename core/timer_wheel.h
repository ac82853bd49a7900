#pragma once
// A hashed timing wheel, one per thread: O(1) arm and cancel, intrusive nodes (no allocation per
// timer), and one wake-up per tick that has work.
//
// Tick t is the interval ((t - 1) * tick_ms, t * tick_ms]; a node lives in the slot of the tick
// that holds its deadline (modulo the slot count), so a tick's nodes are all due at its end.
// Deadlines further than one revolution away (409.6 s with 100 ms ticks and 4096 slots) share
// a slot with nearer ones, and each visit of a slot fires only the nodes whose deadline_ms <= now:
// that is the "rounds" scheme, with the deadline itself standing in for a round counter. We chose
// it over a hierarchy because one revolution already covers request and idle-connection
// timeouts; only session reclaim timers (30 min to 1 h) wait longer, and such a node costs one
// look per revolution (about 9 for an hour), no more than cascading it down a hierarchy would,
// with one level of code.
//
// advance(now) fires every armed node with deadline_ms <= now (never early), whenever it is
// called. Between calls, ms_until_next_tick() coalesces: it points at the end of the next tick
// that holds work, so every node of that tick fires in one wake-up, less than a tick late.
//
// Not thread-safe: a wheel belongs to one thread, and so do the nodes armed in it (checked in
// checked builds: core/owner_thread.h).
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/owner_thread.h"

namespace ringside {

struct TimerNode {
  TimerNode* prev = nullptr;  // intrusive list links; nullptr/nullptr when not armed
  TimerNode* next = nullptr;
  uint64_t deadline_ms = 0;  // absolute, in the wheel's clock (ms)
  // Set by the owner before arm(); the owner recovers its object from the node (container-of).
  void (*on_fire)(TimerNode*) = nullptr;

  bool armed() const { return next != nullptr; }
};

class TimerWheel {
 public:
  // slot_count_pow2 is rounded up to a power of two, at least 64; tick_ms must be at least 1.
  TimerWheel(uint32_t tick_ms, uint32_t slot_count_pow2, uint64_t now_ms);
  // Leaves armed nodes alone: their owners outlive the wheel or cancel first.
  ~TimerWheel() = default;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms `node` to fire at deadline_ms; re-arming an armed node moves it. A deadline at or before
  // the last advance() fires on the next advance(). node->on_fire must be set.
  void arm(TimerNode* node, uint64_t deadline_ms);
  // No-op when the node is not armed.
  void cancel(TimerNode* node);

  // Moves the wheel to now_ms and calls on_fire for every node whose deadline_ms <= now_ms.
  // A node is disarmed before its callback runs; a callback may arm or cancel any node, itself
  // included. A node that a callback arms with a deadline already past fires later in this
  // advance() or on the next one, so a callback re-arming itself cannot make advance() loop.
  // After a jump of many ticks the work is bounded by one revolution over the slots, and empty
  // slots are skipped 64 at a time. A now_ms earlier than the last one counts as the last one.
  // Returns how many nodes fired.
  size_t advance(uint64_t now_ms);

  // Milliseconds until the end of the next tick that holds armed nodes (0 if some are overdue),
  // or -1 when nothing is armed. The reactor uses this as its wait timeout.
  int64_t ms_until_next_tick(uint64_t now_ms) const;

  size_t size() const { return size_; }  // armed nodes
  uint32_t tick_ms() const { return tick_ms_; }
  uint32_t slot_count() const { return static_cast<uint32_t>(mask_ + 1); }

 private:
  static constexpr uint64_t kNever = ~uint64_t{0};

  uint64_t tick_of(uint64_t ms) const { return ms / tick_ms_ + (ms % tick_ms_ != 0); }

  void link(TimerNode* node, size_t slot);
  void unlink(TimerNode* node);
  // Fires the due nodes of one slot; the others stay in it.
  size_t visit(size_t slot, uint64_t now_ms);
  // Slots from `from` (inclusive, going forward and wrapping) to the first one holding nodes;
  // slot_count() when all are empty.
  uint64_t distance_to_occupied(size_t from) const;

  uint32_t tick_ms_;
  uint64_t mask_;  // slot count - 1
  // Each slot is the sentinel of a circular list, so a lone armed node still has non-null links.
  std::unique_ptr<TimerNode[]> slots_;
  std::unique_ptr<uint64_t[]> occupied_;  // one bit per slot: its list is not empty
  TimerNode visiting_;                    // sentinel of the slot list that visit() is working on
  uint64_t now_ms_;
  uint64_t current_tick_;
  // Lower bound of the deadlines in the current tick's slot that belong to the current tick (or
  // are overdue); kNever when there are none. Lets advance() skip the slot within one tick.
  uint64_t current_tick_due_ = kNever;
  size_t size_ = 0;
  bool advancing_ = false;
  [[no_unique_address]] OwnerThread owner_;
};

}  // namespace ringside

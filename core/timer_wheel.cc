#include "core/timer_wheel.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace ringside {

namespace {
constexpr size_t kBitsPerWord = 64;
}  // namespace

TimerWheel::TimerWheel(uint32_t tick_ms, uint32_t slot_count_pow2, uint64_t now_ms)
    : tick_ms_(std::max<uint32_t>(tick_ms, 1)),
      mask_(std::bit_ceil(std::max<uint64_t>(slot_count_pow2, kBitsPerWord)) - 1),
      slots_(new TimerNode[mask_ + 1]),
      occupied_(new uint64_t[(mask_ + 1) / kBitsPerWord]()),
      now_ms_(now_ms),
      current_tick_(tick_of(now_ms)) {
  assert(tick_ms > 0);
  for (size_t i = 0; i <= mask_; ++i) slots_[i].prev = slots_[i].next = &slots_[i];
  visiting_.prev = visiting_.next = &visiting_;
}

void TimerWheel::link(TimerNode* node, size_t slot) {
  TimerNode* head = &slots_[slot];
  node->next = head;
  node->prev = head->prev;
  head->prev->next = node;
  head->prev = node;
  occupied_[slot / kBitsPerWord] |= uint64_t{1} << (slot % kBitsPerWord);
}

void TimerWheel::unlink(TimerNode* node) {
  TimerNode* before = node->prev;
  TimerNode* after = node->next;
  before->next = after;
  after->prev = before;
  node->prev = node->next = nullptr;
  // Both neighbours are the same node only when it is a list's sentinel and the list is now
  // empty. The sentinels are the slots and visiting_ (which has no bit).
  if (before == after && before != &visiting_) {
    const auto slot = static_cast<size_t>(before - slots_.get());
    occupied_[slot / kBitsPerWord] &= ~(uint64_t{1} << (slot % kBitsPerWord));
  }
}

void TimerWheel::arm(TimerNode* node, uint64_t deadline_ms) {
  owner_.check("TimerWheel::arm");
  assert(node->on_fire != nullptr);
  if (node->armed()) {
    unlink(node);
  } else {
    ++size_;
  }
  node->deadline_ms = deadline_ms;
  uint64_t tick = tick_of(deadline_ms);
  if (tick <= current_tick_) {
    // Due within the current tick, or overdue: wait in the current slot.
    tick = current_tick_;
    current_tick_due_ = std::min(current_tick_due_, deadline_ms);
  }
  link(node, tick & mask_);
}

void TimerWheel::cancel(TimerNode* node) {
  owner_.check("TimerWheel::cancel");
  if (!node->armed()) return;
  unlink(node);
  --size_;
}

size_t TimerWheel::visit(size_t slot, uint64_t now_ms) {
  TimerNode* head = &slots_[slot];
  if (head->next == head) return 0;
  // Work on the list under visiting_, so that nodes armed into this slot by the callbacks wait
  // for the next visit instead of being looked at again now.
  visiting_.next = head->next;
  visiting_.prev = head->prev;
  visiting_.next->prev = &visiting_;
  visiting_.prev->next = &visiting_;
  head->next = head->prev = head;
  occupied_[slot / kBitsPerWord] &= ~(uint64_t{1} << (slot % kBitsPerWord));

  const uint64_t current_tick_end_ms = current_tick_ * tick_ms_;
  size_t fired = 0;
  while (visiting_.next != &visiting_) {
    TimerNode* node = visiting_.next;
    unlink(node);
    if (node->deadline_ms <= now_ms) {
      --size_;
      ++fired;
      node->on_fire(node);
    } else {
      link(node, slot);
      if (node->deadline_ms <= current_tick_end_ms) {
        current_tick_due_ = std::min(current_tick_due_, node->deadline_ms);
      }
    }
  }
  return fired;
}

uint64_t TimerWheel::distance_to_occupied(size_t from) const {
  const size_t words = (mask_ + 1) / kBitsPerWord;
  size_t word = from / kBitsPerWord;
  uint64_t bits = occupied_[word] & (~uint64_t{0} << (from % kBitsPerWord));
  // words + 1 looks: the last one sees the bits of the first word that lie before `from`.
  for (size_t i = 0; i <= words; ++i) {
    if (bits != 0) {
      const size_t slot = word * kBitsPerWord + static_cast<size_t>(std::countr_zero(bits));
      return (slot - from) & mask_;
    }
    word = (word + 1) & (words - 1);
    bits = occupied_[word];
  }
  return mask_ + 1;
}

size_t TimerWheel::advance(uint64_t now_ms) {
  assert(!advancing_ && "advance() called from a timer callback");
  now_ms = std::max(now_ms, now_ms_);
  now_ms_ = now_ms;
  const uint64_t now_tick = tick_of(now_ms);
  advancing_ = true;
  size_t fired = 0;
  if (now_tick == current_tick_) {
    if (now_ms >= current_tick_due_) {
      current_tick_due_ = kNever;
      fired = visit(now_tick & mask_, now_ms);
    }
  } else {
    // Look at the current tick again only if it still holds nodes of its own, then at every tick
    // up to now_tick. One revolution visits every slot, so a longer jump is cut to the last one.
    uint64_t first = current_tick_due_ == kNever ? current_tick_ + 1 : current_tick_;
    if (now_tick - first > mask_) first = now_tick - mask_;
    // From here on, nodes armed by callbacks with a deadline up to now_tick land in now_tick's
    // slot, which is visited last.
    current_tick_ = now_tick;
    current_tick_due_ = kNever;
    for (uint64_t tick = first;; ++tick) {
      const uint64_t gap = distance_to_occupied(tick & mask_);
      if (gap > now_tick - tick) break;
      tick += gap;
      fired += visit(tick & mask_, now_ms);
      if (tick == now_tick) break;
    }
  }
  advancing_ = false;
  return fired;
}

int64_t TimerWheel::ms_until_next_tick(uint64_t now_ms) const {
  if (size_ == 0) return -1;
  uint64_t wake_ms;
  if (current_tick_due_ != kNever) {
    if (current_tick_due_ <= now_ms) return 0;
    wake_ms = current_tick_ * tick_ms_;
  } else {
    // The current slot holds nothing of its own tick: the next work is in a later one.
    uint64_t tick = current_tick_ + 1;
    tick += distance_to_occupied(tick & mask_);
    wake_ms = tick * tick_ms_;
  }
  return wake_ms > now_ms ? static_cast<int64_t>(wake_ms - now_ms) : 0;
}

}  // namespace ringside

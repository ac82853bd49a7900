#pragma once
// The rate at which the launch queue moves, measured on the I/O core (docs/queue.md):
// departures (launches placed from the queue) counted over windows of at least kWindowMs,
// each window's rate folded into an EWMA. A window, not the gap between two departures:
// departures come in bursts (a release places every queued launch that now fits at once; a
// storm's sessions reach their time limit together), and a mean of gaps measured inside a burst
// promises a rate the queue does not have. Only time while the queue holds something counts:
// the time it sits empty says nothing about how fast it drains.
#include <algorithm>
#include <cstdint>

namespace ringside {

class DepartureRate {
 public:
  static constexpr uint64_t kWindowMs = 10'000;
  static constexpr double kWeight = 0.3;  // of the newest window

  // The queue went from empty to holding a launch at now_ms. The time it sat empty (from the
  // last departure, about when it emptied) is taken out of the open window.
  void queue_filled(uint64_t now_ms) {
    if (count_ == 0) {
      window_start_ms_ = now_ms;
    } else if (now_ms > last_ms_) {
      window_start_ms_ += now_ms - last_ms_;
    }
  }
  // A queued launch was placed at now_ms.
  void departed(uint64_t now_ms) {
    ++count_;
    last_ms_ = now_ms;
    const uint64_t elapsed = now_ms > window_start_ms_ ? now_ms - window_start_ms_ : 0;
    if (elapsed < kWindowMs) return;
    const double per_ms = static_cast<double>(count_) / static_cast<double>(elapsed);
    per_ms_ = windows_ == 0 ? per_ms : per_ms_ + kWeight * (per_ms - per_ms_);
    ++windows_;
    count_ = 0;
    window_start_ms_ = now_ms;
  }
  bool measured() const { return windows_ != 0 || count_ != 0; }
  // The mean time between departures in ms, at least 1 once measured; 0 before. Until a window
  // closes, from the open one, taken as at least a second long (one early departure is not a
  // rate of thousands a second).
  uint64_t gap_ms() const {
    double per_ms = per_ms_;
    if (windows_ == 0) {
      if (count_ == 0) return 0;
      const uint64_t elapsed = std::max<uint64_t>(last_ms_ - window_start_ms_, 1000);
      per_ms = static_cast<double>(count_) / static_cast<double>(elapsed);
    }
    const double gap = 1.0 / per_ms;
    return gap < 1 ? 1 : static_cast<uint64_t>(gap + 0.5);
  }
  // Departures per second, in thousandths (what the gauge shows); 0 before any.
  uint64_t per_second_milli() const { return measured() ? 1'000'000 / gap_ms() : 0; }
  uint64_t last_departure_ms() const { return last_ms_; }

 private:
  double per_ms_ = 0;  // EWMA over closed windows
  uint64_t windows_ = 0;
  uint64_t count_ = 0;  // departures in the open window
  uint64_t window_start_ms_ = 0;
  uint64_t last_ms_ = 0;
};

}  // namespace ringside

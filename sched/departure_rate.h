#pragma once
// The rate at which the launch queue moves, measured on the I/O core: an EWMA of the time
// between departures (launches placed from the queue), counted only while the queue holds
// something — the time it sits empty says nothing about how fast it drains. docs/queue.md.
#include <cmath>
#include <cstdint>

namespace ringside {

class DepartureRate {
 public:
  static constexpr double kWeight = 0.2;  // of the newest gap

  // The queue went from empty to holding a launch at now_ms.
  void queue_filled(uint64_t now_ms) { since_ms_ = now_ms; }
  // A queued launch was placed at now_ms.
  void departed(uint64_t now_ms) {
    const double gap = static_cast<double>(now_ms > since_ms_ ? now_ms - since_ms_ : 0);
    gap_ms_ = measured() ? gap_ms_ + kWeight * (gap - gap_ms_) : gap;
    since_ms_ = now_ms;
    last_ms_ = now_ms;
    ++departures_;
  }
  bool measured() const { return departures_ != 0; }
  // The mean gap in ms, at least 1 once measured; 0 before.
  uint64_t gap_ms() const {
    if (!measured()) return 0;
    return gap_ms_ < 1 ? 1 : static_cast<uint64_t>(std::llround(gap_ms_));
  }
  // Departures per second, in thousandths (what the gauge shows); 0 before any.
  uint64_t per_second_milli() const { return measured() ? 1'000'000 / gap_ms() : 0; }
  uint64_t last_departure_ms() const { return last_ms_; }

 private:
  double gap_ms_ = 0;
  uint64_t since_ms_ = 0;  // the last departure, or when the queue last filled
  uint64_t last_ms_ = 0;
  uint64_t departures_ = 0;
};

}  // namespace ringside

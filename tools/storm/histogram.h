#pragma once
// A log-linear histogram of non-negative integers (storm records latencies in nanoseconds).
// Values below 2^(kSubBucketBits + 1) are counted exactly; above that, every power-of-two
// range [2^k, 2^(k+1)) is cut into 2^kSubBucketBits equal buckets. A bucket is therefore never
// wider than 1/128 of its lower bound, and the midpoint reported for it is within 0.4% of
// every value it holds. Fixed memory (58 KiB), O(1) record, merge by adding counts.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ringside::storm {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;

  Histogram();

  void record(uint64_t value, uint64_t count = 1);
  // Adds every value recorded in `other`, as if each had been recorded here.
  void merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }  // exact; 0 when empty
  uint64_t max() const { return max_; }                    // exact; 0 when empty
  double mean() const { return count_ == 0 ? 0 : sum_ / static_cast<double>(count_); }

  // The recorded value of rank ceil(percent / 100 * count) in ascending order (the smallest
  // value with at least `percent` percent of the values at or below it), to within 0.4%:
  // its bucket's midpoint, clamped to [min, max]. percent <= 0 gives min, >= 100 gives max,
  // an empty histogram 0.
  uint64_t percentile(double percent) const;

 private:
  static size_t index_of(uint64_t value);
  static uint64_t midpoint_of(size_t index);

  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
  double sum_ = 0;  // a double: nanosecond sums overflow 64 bits after ~10^8 samples of 100 s
};

}  // namespace ringside::storm

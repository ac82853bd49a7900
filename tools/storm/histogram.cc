#include "tools/storm/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ringside::storm {
namespace {

constexpr size_t kSubBuckets = size_t{1} << Histogram::kSubBucketBits;
// Shifts 0 .. 63 - kSubBucketBits, each adding kSubBuckets indexes, plus the exact range.
constexpr size_t kBucketCount = (64 - Histogram::kSubBucketBits + 1) * kSubBuckets;

}  // namespace

Histogram::Histogram() : counts_(kBucketCount, 0) {}

// A value whose highest set bit is `top` keeps its top kSubBucketBits + 1 bits: shifting by
// max(0, top - kSubBucketBits) leaves a mantissa in [2^kSubBucketBits, 2^(kSubBucketBits+1))
// (or the exact value when small), and each shift owns the next kSubBuckets indexes.
size_t Histogram::index_of(uint64_t value) {
  const int top = 63 - std::countl_zero(value | 1);
  const int shift = std::max(0, top - kSubBucketBits);
  return (static_cast<size_t>(shift) << kSubBucketBits) + static_cast<size_t>(value >> shift);
}

uint64_t Histogram::midpoint_of(size_t index) {
  const size_t group = index >> kSubBucketBits;
  const int shift = group == 0 ? 0 : static_cast<int>(group) - 1;
  const uint64_t mantissa = index - (static_cast<size_t>(shift) << kSubBucketBits);
  const uint64_t lower = mantissa << shift;
  const uint64_t width = uint64_t{1} << shift;
  return lower + width / 2;
}

void Histogram::record(uint64_t value, uint64_t count) {
  if (count == 0) return;
  counts_[index_of(value)] += count;
  count_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<double>(value) * static_cast<double>(count);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

uint64_t Histogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (!(percent > 0)) return min_;
  if (percent >= 100) return max_;
  // 99.9% of 1000 is 999.0000000000001 in binary floating point: round away such noise before
  // taking the ceiling, so the rank is the one exact arithmetic gives.
  const double exact_rank = percent * static_cast<double>(count_) / 100;
  const double nearest = std::round(exact_rank);
  const double rounded =
      std::abs(exact_rank - nearest) <= 1e-9 * std::max(1.0, nearest) ? nearest : exact_rank;
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(rounded)));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(midpoint_of(i), min_, max_);
  }
  return max_;
}

}  // namespace ringside::storm

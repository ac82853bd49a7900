#pragma once
// A slab of T addressed by stable uint32_t indices: what FlatMap values point at. Elements live
// in fixed chunks of kChunkSize, so growth adds a chunk and never moves or copies an element;
// references stay valid until that element is erased. Freed indices are reused last-freed
// first (their memory is the most likely to still be in cache), their cells threading the free
// list, so the only overhead is one live bit per element. Not copyable; a moved-from slab is
// empty and usable.
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace ringside {

template <class T, uint32_t kChunkSize = 4096>
class Slab {
  static_assert(kChunkSize >= 64 && std::has_single_bit(kChunkSize));

 public:
  Slab() = default;
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;
  Slab(Slab&& o) noexcept
      : chunks_(std::move(o.chunks_)),
        end_(std::exchange(o.end_, 0)),
        size_(std::exchange(o.size_, 0)),
        free_head_(std::exchange(o.free_head_, kNoIndex)) {}
  Slab& operator=(Slab&& o) noexcept {
    if (this != &o) {
      destroy_all();
      chunks_ = std::move(o.chunks_);
      end_ = std::exchange(o.end_, 0);
      size_ = std::exchange(o.size_, 0);
      free_head_ = std::exchange(o.free_head_, kNoIndex);
    }
    return *this;
  }
  ~Slab() { destroy_all(); }

  template <class... Args>
  uint32_t emplace(Args&&... args) {
    uint32_t index = take_index();
    try {
      std::construct_at(std::addressof(cell(index).value), std::forward<Args>(args)...);
    } catch (...) {
      give_back_index(index);
      throw;
    }
    live_word(index) |= live_bit(index);
    ++size_;
    return index;
  }

  // Precondition: contains(index).
  void erase(uint32_t index) {
    assert(contains(index));
    std::destroy_at(std::addressof(cell(index).value));
    live_word(index) &= ~live_bit(index);
    give_back_index(index);
    --size_;
  }

  // Starts loading element `index` (live or not), every cache line of it, for a read a little
  // later.
  void prefetch(uint32_t index) const {
    if (index >= end_) return;
    const char* p = reinterpret_cast<const char*>(&cell(index));
    for (size_t offset = 0; offset < sizeof(T); offset += 64) __builtin_prefetch(p + offset);
    __builtin_prefetch(p + sizeof(T) - 1);
  }

  bool contains(uint32_t index) const {
    return index < end_ && (live_word(index) & live_bit(index)) != 0;
  }

  // Precondition: contains(index).
  T& operator[](uint32_t index) {
    assert(contains(index));
    return cell(index).value;
  }
  const T& operator[](uint32_t index) const {
    assert(contains(index));
    return cell(index).value;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Heap bytes held: the chunks and the chunk table.
  size_t memory_bytes() const {
    return chunks_.size() * sizeof(Chunk) + chunks_.capacity() * sizeof(chunks_[0]);
  }

  // f(uint32_t index, T&) for every live element in index order. f may erase the element it is
  // given (e.g. a sweep of expired sessions) but must not emplace or erase anything else.
  template <class F>
  void for_each(F&& f) {
    for_each_live_index([&](uint32_t i) { f(i, cell(i).value); });
  }
  template <class F>
  void for_each(F&& f) const {
    for_each_live_index([&](uint32_t i) { f(i, std::as_const(cell(i).value)); });
  }

 private:
  static constexpr uint32_t kNoIndex = std::numeric_limits<uint32_t>::max();
  static constexpr uint32_t kWordsPerChunk = kChunkSize / 64;

  // A free cell holds the index of the next free cell instead of a T.
  union Cell {
    Cell() {}
    ~Cell() {}
    T value;
    uint32_t next_free;
  };

  struct Chunk {
    Cell cells[kChunkSize];
    uint64_t live[kWordsPerChunk] = {};
  };

  Cell& cell(uint32_t i) { return chunks_[i / kChunkSize]->cells[i % kChunkSize]; }
  const Cell& cell(uint32_t i) const { return chunks_[i / kChunkSize]->cells[i % kChunkSize]; }
  uint64_t& live_word(uint32_t i) { return chunks_[i / kChunkSize]->live[(i % kChunkSize) / 64]; }
  const uint64_t& live_word(uint32_t i) const {
    return chunks_[i / kChunkSize]->live[(i % kChunkSize) / 64];
  }
  static uint64_t live_bit(uint32_t i) { return uint64_t{1} << (i % 64); }

  uint32_t take_index() {
    if (free_head_ != kNoIndex) {
      uint32_t index = free_head_;
      free_head_ = cell(index).next_free;
      return index;
    }
    if (end_ == kNoIndex) throw std::length_error("Slab: out of uint32_t indices");
    if (end_ / kChunkSize == chunks_.size()) {
      // for_overwrite: cells are constructed one at a time by emplace, not zeroed up front.
      chunks_.push_back(std::make_unique_for_overwrite<Chunk>());
    }
    return end_++;
  }

  void give_back_index(uint32_t index) {
    cell(index).next_free = free_head_;
    free_head_ = index;
  }

  template <class F>
  void for_each_live_index(F&& f) const {
    for (uint32_t c = 0; c < chunks_.size(); ++c) {
      const uint32_t chunk_base = c * kChunkSize;
      for (uint32_t w = 0; w < kWordsPerChunk; ++w) {
        // A copy of the word, so f erasing the element it is given does not disturb the walk.
        for (uint64_t bits = chunks_[c]->live[w]; bits != 0; bits &= bits - 1) {
          f(chunk_base + w * 64 + static_cast<uint32_t>(std::countr_zero(bits)));
        }
      }
    }
  }

  void destroy_all() {
    if constexpr (!std::is_trivially_destructible_v<T>) {
      for_each_live_index([this](uint32_t i) { std::destroy_at(std::addressof(cell(i).value)); });
    }
    chunks_.clear();
    end_ = 0;
    size_ = 0;
    free_head_ = kNoIndex;
  }

  std::vector<std::unique_ptr<Chunk>> chunks_;
  uint32_t end_ = 0;  // indices below end_ are live or on the free list
  size_t size_ = 0;
  uint32_t free_head_ = kNoIndex;
};

}  // namespace ringside

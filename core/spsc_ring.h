#pragma once
// A lock-free single-producer single-consumer ring of variable-length messages in one byte
// buffer allocated up front: the cross-thread mailbox between one ordered pair of threads.
//
// Layout: every record is an 8-byte header (the payload length) and the payload, padded to a
// multiple of 8, so payloads are 8-byte aligned. A record never wraps: when it does not fit
// before the end of the buffer, the producer writes a padding header there and puts the record
// at the start. Positions are byte counters that only grow (64 bits never wrap in practice).
//
// Bound: a record of up to half the buffer always fits once the consumer has drained the ring,
// wherever the write position is (either the space before the end or the space at the start is
// at least half), so max_message() = capacity() / 2 - 8. A longer message could never be
// placed at some positions; reserving one is a programming error (assert).
//
// Ordering: commit() publishes with a release store of the write position and peek() reads it
// with acquire, so the payload is visible before the consumer sees it; pop() releases the space
// with a release store of the read position that the producer reads with acquire before it
// overwrites. Each side keeps a cached copy of the other's position and reloads it only when the
// cached one says full (producer) or empty (consumer), so the two cache lines move between
// cores once per batch, not once per message.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace ringside {

class SpscRing {
 public:
  struct Message {
    const void* data;
    uint32_t len;
  };

  // capacity_bytes is rounded up to a power of two, at least 64.
  explicit SpscRing(size_t capacity_bytes)
      : capacity_(std::bit_ceil(std::max<size_t>(capacity_bytes, kCacheLine))),
        mask_(capacity_ - 1),
        max_message_(
            static_cast<uint32_t>(std::min<size_t>(capacity_ / 2 - kHeaderBytes, kPaddingLen - 1))),
        buffer_(static_cast<std::byte*>(std::aligned_alloc(kCacheLine, capacity_))) {
    if (!buffer_) throw std::bad_alloc();
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer side (one thread only).

  // Returns 8-byte aligned room for one message of len bytes, or nullptr while the ring is too
  // full. Write the payload, then commit(). A reservation not committed is dropped by the next
  // try_reserve().
  void* try_reserve(uint32_t len) {
    assert(len <= max_message_ && "message longer than SpscRing::max_message()");
    const size_t record = kHeaderBytes + round_up(len);
    uint64_t pos = write_pos_.load(std::memory_order_relaxed);
    const size_t to_end = capacity_ - (pos & mask_);
    const size_t padding = record > to_end ? to_end : 0;
    const uint64_t end = pos + padding + record;
    if (end - read_pos_cache_ > capacity_) {
      read_pos_cache_ = read_pos_.load(std::memory_order_acquire);
      if (end - read_pos_cache_ > capacity_) return nullptr;
    }
    if (padding != 0) {
      write_header(pos, kPaddingLen);
      pos += padding;
    }
    write_header(pos, len);
    reserved_end_ = end;
    return buffer_.get() + (pos & mask_) + kHeaderBytes;
  }

  // Publishes the message reserved last.
  void commit() {
    assert(reserved_end_ > write_pos_.load(std::memory_order_relaxed) &&
           "commit() without reserve");
    write_pos_.store(reserved_end_, std::memory_order_release);
  }

  // Consumer side (one thread only).

  // The oldest message, if any; it stays in the ring (peek() returns it again) until pop().
  bool peek(Message& out) {
    uint64_t pos = read_pos_.load(std::memory_order_relaxed);
    if (pos == write_pos_cache_) {
      write_pos_cache_ = write_pos_.load(std::memory_order_acquire);
      if (pos == write_pos_cache_) return false;
    }
    uint32_t len = read_header(pos);
    if (len == kPaddingLen) {
      // Padding is committed together with the record after it, which starts the buffer.
      pos += capacity_ - (pos & mask_);
      len = read_header(pos);
    }
    out.data = buffer_.get() + (pos & mask_) + kHeaderBytes;
    out.len = len;
    peeked_end_ = pos + kHeaderBytes + round_up(len);
    return true;
  }

  // Releases the message that peek() returned.
  void pop() {
    assert(peeked_end_ > read_pos_.load(std::memory_order_relaxed) && "pop() without peek()");
    read_pos_.store(peeked_end_, std::memory_order_release);
  }

  // Exact on the consumer side; on the producer side it may still count messages that the
  // consumer has just popped.
  bool empty() const {
    return read_pos_.load(std::memory_order_acquire) == write_pos_.load(std::memory_order_acquire);
  }

  size_t capacity() const { return capacity_; }
  // The largest len that try_reserve() accepts: capacity() / 2 - 8 (see the top of the file).
  uint32_t max_message() const { return max_message_; }

 private:
  static constexpr size_t kCacheLine = 64;
  static constexpr size_t kHeaderBytes = 8;
  static constexpr uint32_t kPaddingLen = ~uint32_t{0};  // never a message's length

  struct FreeDeleter {
    void operator()(std::byte* p) const { std::free(p); }
  };

  static size_t round_up(uint32_t len) { return (size_t{len} + 7) & ~size_t{7}; }

  void write_header(uint64_t pos, uint32_t len) {
    std::memcpy(buffer_.get() + (pos & mask_), &len, sizeof len);
  }
  uint32_t read_header(uint64_t pos) const {
    uint32_t len;
    std::memcpy(&len, buffer_.get() + (pos & mask_), sizeof len);
    return len;
  }

  // Read-only after construction; shared by both sides without contention.
  const size_t capacity_;
  const size_t mask_;
  const uint32_t max_message_;
  const std::unique_ptr<std::byte, FreeDeleter> buffer_;

  // Written by the producer.
  alignas(kCacheLine) std::atomic<uint64_t> write_pos_{0};
  uint64_t read_pos_cache_ = 0;  // the producer's last view of read_pos_
  uint64_t reserved_end_ = 0;    // where the write position goes on commit()

  // Written by the consumer.
  alignas(kCacheLine) std::atomic<uint64_t> read_pos_{0};
  uint64_t write_pos_cache_ = 0;  // the consumer's last view of write_pos_
  uint64_t peeked_end_ = 0;       // where the read position goes on pop()
};

}  // namespace ringside

#pragma once
// A provided-buffer ring (io_uring_register_buf_ring): the kernel picks a free buffer for each
// multishot recv completion, so idle connections hold no receive memory at all. Buffers are
// handed back with give_back() and published to the kernel in one step per loop iteration.
#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace ringside {

class ProvidedBuffers {
 public:
  ProvidedBuffers() = default;
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;
  ~ProvidedBuffers();

  // count must be a power of two. Returns 0 or -errno.
  int init(io_uring* ring, uint16_t group_id, uint32_t count, uint32_t buffer_size);

  uint16_t group_id() const { return group_; }
  char* buffer(uint16_t bid) const { return base_ + size_t{bid} * size_; }
  uint32_t buffer_size() const { return size_; }

  void give_back(uint16_t bid);
  // Makes every buffer given back since the last call visible to the kernel again.
  // Returns whether any were.
  bool publish();

 private:
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  size_t ring_bytes_ = 0;
  char* base_ = nullptr;
  uint32_t count_ = 0;
  uint32_t size_ = 0;
  uint16_t group_ = 0;
  uint32_t pending_ = 0;
};

}  // namespace ringside

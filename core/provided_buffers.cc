#include "core/provided_buffers.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdlib>

namespace ringside {

ProvidedBuffers::~ProvidedBuffers() {
  if (br_) {
    io_uring_unregister_buf_ring(ring_, group_);
    munmap(br_, ring_bytes_);
  }
  std::free(base_);
}

int ProvidedBuffers::init(io_uring* ring, uint16_t group_id, uint32_t count, uint32_t buffer_size) {
  ring_ = ring;
  group_ = group_id;
  count_ = count;
  size_ = buffer_size;
  ring_bytes_ = count * sizeof(io_uring_buf);
  void* mem =
      mmap(nullptr, ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  br_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br_);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group_id;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc != 0) {
    munmap(br_, ring_bytes_);
    br_ = nullptr;
    return rc;
  }
  base_ = static_cast<char*>(std::aligned_alloc(4096, size_t{count} * buffer_size));
  if (!base_) return -ENOMEM;
  for (uint32_t i = 0; i < count; ++i) give_back(static_cast<uint16_t>(i));
  publish();
  return 0;
}

void ProvidedBuffers::give_back(uint16_t bid) {
  io_uring_buf_ring_add(br_, buffer(bid), size_, bid, io_uring_buf_ring_mask(count_),
                        static_cast<int>(pending_));
  ++pending_;
}

bool ProvidedBuffers::publish() {
  if (pending_ == 0) return false;
  io_uring_buf_ring_advance(br_, static_cast<int>(pending_));
  pending_ = 0;
  return true;
}

}  // namespace ringside

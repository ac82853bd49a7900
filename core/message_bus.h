#pragma once
// Cross-thread messaging, shared-nothing style: an N×N matrix of single-producer
// single-consumer rings, ring(from, to) written only by thread `from` and read only by thread
// `to` (Seastar's smp queues are the model). Threads are numbered 0..N-1: the shards first,
// the I/O core last. Nothing else is shared between threads on the request path.
//
// Wake-ups: a thread about to block in io_uring_enter sets its `sleeping` flag and looks at
// its inbound rings once more; a producer that committed a message checks that flag after a
// full fence and, if set, rings the doorbell (IORING_OP_MSG_RING into the target's ring, or a
// write to its eventfd). Both sides fence, so one of them always sees the other: no lost
// wake-up, and no doorbell at all while the target is busy.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/spsc_ring.h"

namespace ringside {

// Every message starts with this header; `len` counts the payload that follows it.
struct MessageHeader {
  uint16_t kind;
  uint16_t flags;
  uint32_t len;
};

// A message longer than a ring can ever hold (SpscRing::max_message()) travels out of line:
// its payload is a heap block, and the ring carries only the header and the block's address.
// The block belongs to the message: the receiver frees it once handled, and whatever is never
// delivered is freed with the bus (or the sender's mailbox). Any size thus fits, in order, and
// nothing queued behind it waits for room that can never come.
inline constexpr uint16_t kMessageOutOfLine = 1;

// The bytes a message takes in a ring: the header and its inline payload.
inline uint32_t message_record_bytes(const MessageHeader& h) {
  const uint32_t inline_len = (h.flags & kMessageOutOfLine) ? sizeof(void*) : h.len;
  return static_cast<uint32_t>(sizeof(MessageHeader)) + inline_len;
}

// The payload of the message whose header is `h`, wherever it is.
inline const char* message_payload(const MessageHeader* h) {
  const char* inline_payload = reinterpret_cast<const char*>(h + 1);
  if (!(h->flags & kMessageOutOfLine)) return inline_payload;
  const char* block;
  std::memcpy(&block, inline_payload, sizeof block);
  return block;
}

// Frees the out-of-line block of a message that was handled or will never be.
inline void release_message(const MessageHeader* h) {
  if (h->flags & kMessageOutOfLine) std::free(const_cast<char*>(message_payload(h)));
}

class MessageBus {
 public:
  MessageBus(uint32_t thread_count, size_t ring_bytes);
  ~MessageBus();
  MessageBus(const MessageBus&) = delete;
  MessageBus& operator=(const MessageBus&) = delete;

  uint32_t thread_count() const { return n_; }
  SpscRing& ring(uint32_t from, uint32_t to) { return *rings_[from * n_ + to]; }

  struct alignas(64) Inbox {
    std::atomic<bool> sleeping{false};
    std::atomic<int> ring_fd{-1};  // published by the owning thread once its ring exists
    int eventfd = -1;              // fallback doorbell, created up front
  };
  Inbox& inbox(uint32_t thread) { return inboxes_[thread]; }

 private:
  uint32_t n_;
  std::vector<std::unique_ptr<SpscRing>> rings_;
  std::unique_ptr<Inbox[]> inboxes_;
};

}  // namespace ringside

#pragma once
// One thread's end of the MessageBus: it sends to any other thread, and drains what the
// others sent it. Sending never fails and never blocks: when the ring to a peer is full, the
// message waits in a local overflow buffer and is moved over, in order, on a later flush.
#include <liburing.h>

#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/byte_buffer.h"
#include "core/message_bus.h"

namespace ringside {

class Mailbox {
 public:
  Mailbox(MessageBus& bus, uint32_t self);
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  uint32_t self() const { return self_; }
  uint32_t thread_count() const { return bus_.thread_count(); }

  // Returns `len` writable bytes for the payload of a message to `to`; call commit() next.
  // Any length: one longer than the ring holds goes out of line (message_bus.h).
  void* begin(uint32_t to, uint16_t kind, uint32_t len);
  void commit();

  void send(uint32_t to, uint16_t kind, const void* payload, uint32_t len) {
    void* slot = begin(to, kind, len);
    if (len != 0) std::memcpy(slot, payload, len);  // an empty payload may be a null pointer
    commit();
  }
  template <class T>
  void send(uint32_t to, uint16_t kind, const T& msg) {
    static_assert(std::is_trivially_copyable_v<T>);
    send(to, kind, &msg, sizeof msg);
  }

  // Moves overflowed messages into their rings and rings the doorbell of every peer that
  // got something and is asleep. `ring` is the caller's own ring (for MSG_RING).
  void flush(io_uring* ring, bool use_msg_ring);

  // Calls handler(from, kind, payload, len) for up to `budget` inbound messages.
  // Returns how many were handled.
  template <class F>
  size_t drain(F&& handler, size_t budget);

  // Sleep protocol (see message_bus.h): returns false if a message is already waiting.
  bool prepare_to_sleep();
  void woke();

  // True while some message still waits for room in a full ring (flush again soon).
  bool has_overflow() const;
  uint64_t sent_total() const { return sent_; }

 private:
  bool inbound_pending();
  bool try_move_overflow(uint32_t to);

  MessageBus& bus_;
  uint32_t self_;
  std::vector<ByteBuffer> overflow_;   // per destination: [MessageHeader|payload]...
  std::vector<uint8_t> doorbell_due_;  // per destination
  uint32_t pending_to_ = 0;
  bool pending_in_overflow_ = false;
  uint32_t pending_record_ = 0;  // bytes of the pending message in the ring
  uint64_t sent_ = 0;
};

template <class F>
size_t Mailbox::drain(F&& handler, size_t budget) {
  size_t handled = 0;
  const uint32_t n = bus_.thread_count();
  bool progress = true;
  while (progress && handled < budget) {
    progress = false;
    for (uint32_t from = 0; from < n && handled < budget; ++from) {
      if (from == self_) continue;
      SpscRing& r = bus_.ring(from, self_);
      SpscRing::Message m;
      if (!r.peek(m)) continue;
      const auto* h = static_cast<const MessageHeader*>(m.data);
      handler(from, h->kind, static_cast<const void*>(message_payload(h)), h->len);
      release_message(h);
      r.pop();
      ++handled;
      progress = true;
    }
  }
  return handled;
}

}  // namespace ringside

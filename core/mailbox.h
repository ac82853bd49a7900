#pragma once
// One thread's end of the MessageBus: it sends to any other thread, and hands what the others
// sent it to the handler registered for each kind (core/message.h). Sending never fails and never
// blocks: when the ring to a peer is full, the message waits in a local overflow buffer and is
// moved over, in order, on a later flush.
#include <liburing.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/byte_buffer.h"
#include "core/message.h"
#include "core/message_bus.h"
#include "core/owner_thread.h"

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

  // A message of type T (core/message.h): its kind is T's.
  template <MessageType T>
  void send(uint32_t to, const T& msg) {
    if constexpr (EncodedMessage<T>) {
      const uint32_t len = msg.encoded_size();
      msg.encode(static_cast<char*>(begin(to, T::kKind, len)));
      commit();
    } else {
      send_bytes(to, T::kKind, &msg, kPlainMessageBytes<T>);
    }
  }
  // Untyped: the bus itself (tests), and what send() is made of.
  void send_bytes(uint32_t to, uint16_t kind, const void* payload, uint32_t len) {
    void* slot = begin(to, kind, len);
    if (len != 0) std::memcpy(slot, payload, len);  // an empty payload may be a null pointer
    commit();
  }

  // Registers the handler of T's kind: `Method` is a member function of `owner` taking
  // (const T&) or (uint32_t from, const T&), called with each T that decodes (a malformed one
  // is dropped, logged and counted); one returning bool refuses a message with false, which
  // counts as malformed too (core/message.h). One handler per kind: a second registration of
  // a kind aborts. Register before the first dispatch().
  template <auto Method>
  void set_handler(typename message_detail::Member<decltype(Method)>::Owner* owner) {
    using T = typename message_detail::Member<decltype(Method)>::Message;
    static_assert(MessageType<T>);
    static_assert(T::kKind < kMaxMessageKinds, "a message kind indexes the handler table");
    set_handler(T::kKind, &message_detail::thunk<Method>, owner);
  }
  // Returns false when the message was malformed (it did not decode, or it was refused).
  using Handler = bool (*)(void* ctx, uint32_t from, const void* payload, uint32_t len);
  void set_handler(uint16_t kind, Handler handler, void* ctx);
  // Hands up to `budget` inbound messages to the handlers of their kinds; a kind without one
  // is logged (once per kind) and dropped. Returns how many were taken, handled or not.
  size_t dispatch(size_t budget);
  // How many messages dispatch() dropped as malformed (each logged as message_malformed).
  uint64_t malformed_total() const { return malformed_; }

  // Moves overflowed messages into their rings and rings the doorbell of every peer that
  // got something and is asleep. `ring` is the caller's own ring (for MSG_RING).
  void flush(io_uring* ring, bool use_msg_ring);

  // Calls handler(from, kind, payload, len) for up to `budget` inbound messages (raw; tests).
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
  void on_unknown(uint16_t kind);
  void on_malformed(uint16_t kind, uint32_t from, uint32_t len);

  struct HandlerEntry {
    Handler fn = nullptr;
    void* ctx = nullptr;
  };

  MessageBus& bus_;
  uint32_t self_;
  std::vector<ByteBuffer> overflow_;   // per destination: [MessageHeader|payload]...
  std::vector<uint8_t> doorbell_due_;  // per destination
  uint32_t pending_to_ = 0;
  bool pending_in_overflow_ = false;
  uint32_t pending_record_ = 0;  // bytes of the pending message in the ring
  uint64_t sent_ = 0;
  uint64_t malformed_ = 0;
  HandlerEntry handlers_[kMaxMessageKinds];
  bool unknown_logged_[kMaxMessageKinds + 1] = {};  // the last: every kind past the table
  [[no_unique_address]] OwnerThread owner_;
};

template <class F>
size_t Mailbox::drain(F&& handler, size_t budget) {
  owner_.check("Mailbox::drain");
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

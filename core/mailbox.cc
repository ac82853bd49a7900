#include "core/mailbox.h"

#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include "core/log.h"
#include "core/user_data.h"

namespace ringside {
namespace {

// Records in an overflow buffer are padded to the header's alignment, so that each header
// (and an out-of-line block's address after it) is read where it is aligned.
constexpr uint32_t kOverflowAlign = 8;
static_assert(kOverflowAlign >= alignof(MessageHeader) && kOverflowAlign >= alignof(void*));

uint32_t padded(uint32_t record_bytes) {
  return (record_bytes + kOverflowAlign - 1) & ~(kOverflowAlign - 1);
}
uint32_t overflow_record_bytes(const MessageHeader& h) { return padded(message_record_bytes(h)); }

[[noreturn]] void duplicate_handler(uint32_t thread, uint16_t kind) {
  std::fprintf(stderr,
               "ringside: Mailbox::set_handler: message kind %u already has a handler on thread "
               "%u (one handler per kind)\n",
               unsigned{kind}, thread);
  std::abort();
}

}  // namespace

Mailbox::Mailbox(MessageBus& bus, uint32_t self)
    : bus_(bus), self_(self), overflow_(bus.thread_count()), doorbell_due_(bus.thread_count()) {}

Mailbox::~Mailbox() {
  // Messages that never left: free what they own.
  for (const ByteBuffer& o : overflow_) {
    for (size_t off = 0; off < o.size();) {
      const auto* h = reinterpret_cast<const MessageHeader*>(o.data() + off);
      release_message(h);
      off += overflow_record_bytes(*h);
    }
  }
}

void* Mailbox::begin(uint32_t to, uint16_t kind, uint32_t len) {
  owner_.check("Mailbox::begin");
  SpscRing& ring = bus_.ring(self_, to);
  MessageHeader header{kind, 0, len};
  if (sizeof(MessageHeader) + size_t{len} > ring.max_message()) header.flags = kMessageOutOfLine;
  pending_to_ = to;
  pending_record_ = message_record_bytes(header);
  void* slot = nullptr;
  // Order matters: once anything waits in overflow, later messages queue behind it.
  if (overflow_[to].empty()) slot = ring.try_reserve(pending_record_);
  pending_in_overflow_ = (slot == nullptr);
  if (pending_in_overflow_) slot = overflow_[to].prepare(padded(pending_record_));
  std::memcpy(slot, &header, sizeof header);
  char* payload = static_cast<char*>(slot) + sizeof(MessageHeader);
  if (!(header.flags & kMessageOutOfLine)) return payload;
  char* block = static_cast<char*>(std::malloc(len));
  if (!block) throw std::bad_alloc();
  std::memcpy(payload, &block, sizeof block);
  return block;
}

void Mailbox::commit() {
  if (pending_in_overflow_) {
    overflow_[pending_to_].commit(padded(pending_record_));
  } else {
    bus_.ring(self_, pending_to_).commit();
  }
  doorbell_due_[pending_to_] = 1;
  ++sent_;
}

void Mailbox::set_handler(uint16_t kind, Handler handler, void* ctx) {
  owner_.check("Mailbox::set_handler");
  if (kind >= kMaxMessageKinds) throw std::logic_error("message kind past kMaxMessageKinds");
  // Replacing a handler would silently cut its first owner off from its messages.
  if (handlers_[kind].fn != nullptr) duplicate_handler(self_, kind);
  handlers_[kind] = {handler, ctx};
}

size_t Mailbox::dispatch(size_t budget) {
  return drain(
      [this](uint32_t from, uint16_t kind, const void* payload, uint32_t len) {
        const HandlerEntry* h = kind < kMaxMessageKinds ? &handlers_[kind] : nullptr;
        if (!h || !h->fn) {
          on_unknown(kind);
        } else if (!h->fn(h->ctx, from, payload, len)) {
          on_malformed(kind, from, len);
        }
      },
      budget);
}

void Mailbox::on_malformed(uint16_t kind, uint32_t from, uint32_t len) {
  ++malformed_;
  message_detail::log_malformed(kind, from, len);
}

void Mailbox::on_unknown(uint16_t kind) {
  bool& logged = unknown_logged_[kind < kMaxMessageKinds ? kind : kMaxMessageKinds];
  if (logged) return;
  logged = true;
  log_error("unknown_message").kv("thread", self_).kv("kind", unsigned{kind});
}

bool Mailbox::try_move_overflow(uint32_t to) {
  ByteBuffer& o = overflow_[to];
  SpscRing& r = bus_.ring(self_, to);
  size_t off = 0;
  while (off < o.size()) {
    const auto* h = reinterpret_cast<const MessageHeader*>(o.data() + off);
    const uint32_t total = message_record_bytes(*h);
    void* slot = r.try_reserve(total);
    if (!slot) break;
    std::memcpy(slot, h, total);
    r.commit();
    off += padded(total);
  }
  o.consume(off);
  return off > 0;
}

void Mailbox::flush(io_uring* ring, bool use_msg_ring) {
  const uint32_t n = bus_.thread_count();
  for (uint32_t to = 0; to < n; ++to) {
    if (!overflow_[to].empty() && try_move_overflow(to)) doorbell_due_[to] = 1;
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (uint32_t to = 0; to < n; ++to) {
    if (!doorbell_due_[to]) continue;
    doorbell_due_[to] = 0;
    MessageBus::Inbox& inbox = bus_.inbox(to);
    if (!inbox.sleeping.load(std::memory_order_relaxed)) continue;
    if (!inbox.sleeping.exchange(false, std::memory_order_acq_rel)) continue;
    if (use_msg_ring) {
      io_uring_sqe* sqe = io_uring_get_sqe(ring);
      if (!sqe) {
        io_uring_submit(ring);
        sqe = io_uring_get_sqe(ring);
      }
      io_uring_prep_msg_ring(sqe, static_cast<unsigned>(inbox.ring_fd.load()), 0,
                             pack_user_data(kDoorbellCompletion, 0, 0), 0);
      sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    } else {
      uint64_t one = 1;
      ssize_t unused = write(inbox.eventfd, &one, sizeof one);
      (void)unused;  // EAGAIN means the counter is already non-zero: the target will wake
    }
  }
}

bool Mailbox::inbound_pending() {
  const uint32_t n = bus_.thread_count();
  for (uint32_t from = 0; from < n; ++from) {
    if (from != self_ && !bus_.ring(from, self_).empty()) return true;
  }
  return false;
}

bool Mailbox::prepare_to_sleep() {
  MessageBus::Inbox& inbox = bus_.inbox(self_);
  inbox.sleeping.store(true, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (inbound_pending()) {
    inbox.sleeping.store(false, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void Mailbox::woke() { bus_.inbox(self_).sleeping.store(false, std::memory_order_relaxed); }

bool Mailbox::has_overflow() const {
  for (const ByteBuffer& o : overflow_) {
    if (!o.empty()) return true;
  }
  return false;
}

}  // namespace ringside

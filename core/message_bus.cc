#include "core/message_bus.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace ringside {

MessageBus::MessageBus(uint32_t thread_count, size_t ring_bytes)
    : n_(thread_count), inboxes_(new Inbox[thread_count]) {
  rings_.reserve(size_t{n_} * n_);
  for (uint32_t from = 0; from < n_; ++from) {
    for (uint32_t to = 0; to < n_; ++to) {
      // A thread never messages itself; the diagonal stays empty.
      rings_.push_back(from == to ? nullptr : std::make_unique<SpscRing>(ring_bytes));
    }
  }
  for (uint32_t i = 0; i < n_; ++i) {
    inboxes_[i].eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (inboxes_[i].eventfd < 0) throw std::runtime_error("eventfd failed");
  }
}

MessageBus::~MessageBus() {
  for (uint32_t i = 0; i < n_; ++i) close(inboxes_[i].eventfd);
  // Messages never delivered (the threads have stopped): free what they own.
  for (const std::unique_ptr<SpscRing>& r : rings_) {
    SpscRing::Message m;
    while (r && r->peek(m)) {
      release_message(static_cast<const MessageHeader*>(m.data));
      r->pop();
    }
  }
}

}  // namespace ringside

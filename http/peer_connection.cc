#include "http/peer_connection.h"

#include <netinet/tcp.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "core/log.h"
#include "http/peer_pool.h"
#include "http/peer_response.h"

namespace ringside {
namespace {

constexpr size_t kRecvChunk = 16384;

}  // namespace

PeerConnection::PeerConnection(PeerPool& pool, uint32_t index, const sockaddr_storage& address,
                               socklen_t address_len, std::string head, const Options& options)
    : pool_(pool),
      reactor_(pool.reactor()),
      index_(index),
      address_(address),
      address_len_(address_len),
      head_(std::move(head)),
      options_(options),
      backoff_ms_(options.backoff_min_ms) {
  timer_.self = this;
  timer_.on_fire = &PeerConnection::on_timer;
  pending_.resize(16);
}

PeerConnection::~PeerConnection() {
  reactor_.timers().cancel(&timer_);
  if (fd_ >= 0) close(fd_);
}

uint64_t PeerConnection::user_data(Op op) const {
  return pack_user_data(kPeerCompletion, generation_, index_ * 4 + op);
}

bool PeerConnection::begin_request(uint64_t cookie, uint32_t body_len) {
  if (state_ == State::kBackoff) return false;
  if (state_ == State::kClosed) {
    connect();
    // socket() failed (out of descriptors): the backoff has begun, and it refuses this one too.
    if (state_ == State::kBackoff) return false;
  }
  char digits[12];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, body_len);
  next_.append(head_);
  next_.append(digits, static_cast<size_t>(end - digits));
  next_.append("\r\n\r\n", 4);
  push({cookie, reactor_.now_ms() + options_.timeout_ms});
  if (pending_count_ == 1) arm_timer();  // replaces the idle timer
  if (state_ == State::kOpen) pool_.queue_flush(index_);
  return true;
}

// ---- connecting -------------------------------------------------------------------------

void PeerConnection::connect() {
  fd_ = socket(address_.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    state_ = State::kConnecting;  // fail() expects a connection attempt
    fail(Outcome::kUnavailable, strerror(errno));
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_connect(sqe, fd_, reinterpret_cast<const sockaddr*>(&address_), address_len_);
  io_uring_sqe_set_data64(sqe, user_data(kConnect));
  connect_in_flight_ = true;
  state_ = State::kConnecting;
}

void PeerConnection::on_completion(const io_uring_cqe& cqe) {
  const auto op = static_cast<Op>(user_data_index(cqe.user_data) % 4);
  const bool current = user_data_generation(cqe.user_data) == (generation_ & 0xFFFFFFu);
  switch (op) {
    case kConnect:
      connect_in_flight_ = false;
      if (current) on_connect(cqe.res);
      break;
    case kSend:
      send_in_flight_ = false;
      if (current) on_send(cqe.res);
      break;
    case kRecv:
      recv_in_flight_ = false;
      if (current) on_recv(cqe.res);
      break;
  }
  finish_release();
}

void PeerConnection::on_connect(int res) {
  if (res < 0) {
    fail(Outcome::kUnavailable, strerror(-res));
    return;
  }
  state_ = State::kOpen;
  log_info("peer_connected")
      .kv("shard", reactor_.self())
      .kv("node_slot", index_ / kPeerLanes)
      .kv("lane", lane_name());
  arm_recv();
  pool_.queue_flush(index_);
}

// ---- sending ---------------------------------------------------------------------------

void PeerConnection::flush() {
  if (state_ != State::kOpen || send_in_flight_ || next_.empty()) return;
  std::swap(out_, next_);
  next_.clear();
  out_sent_ = 0;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_send(sqe, fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, user_data(kSend));
  send_in_flight_ = true;
}

void PeerConnection::on_send(int res) {
  if (res < 0) {
    fail(Outcome::kUnavailable, strerror(-res));
    return;
  }
  out_sent_ += static_cast<size_t>(res);
  if (out_sent_ < out_.size()) {
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_send(sqe, fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, user_data(kSend));
    send_in_flight_ = true;
    return;
  }
  out_.clear();
  if (!next_.empty()) pool_.queue_flush(index_);
}

// ---- receiving -------------------------------------------------------------------------

void PeerConnection::arm_recv() {
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_recv(sqe, fd_, in_.prepare(kRecvChunk), kRecvChunk, 0);
  io_uring_sqe_set_data64(sqe, user_data(kRecv));
  recv_in_flight_ = true;
}

void PeerConnection::on_recv(int res) {
  if (res == 0 && pending_count_ == 0) {
    close_quietly("closed by the peer while idle");
    return;
  }
  if (res <= 0) {
    fail(Outcome::kUnavailable, res == 0 ? "closed by the peer" : strerror(-res));
    return;
  }
  in_.commit(static_cast<size_t>(res));
  read_answers();
  if (state_ == State::kOpen) arm_recv();
}

void PeerConnection::read_answers() {
  size_t used = 0;
  for (;;) {
    PeerResponse r;
    const PeerParse p = parse_peer_response(in_.view().substr(used), &r);
    if (p == PeerParse::kNeedMore) break;
    if (p == PeerParse::kError || pending_count_ == 0) {
      fail(Outcome::kUnavailable,
           pending_count_ == 0 ? "answer without a request" : "unreadable answer");
      return;
    }
    used += r.size;
    const Pending done = pop();
    backoff_ms_ = options_.backoff_min_ms;
    pool_.answer(done.cookie, Outcome::kAnswered, r.status, r.body);
    if (r.close) {
      // A draining peer answers this one and runs nothing after it (RFC 9112 §9.6).
      close_quietly("closed by the peer after an answer");
      return;
    }
  }
  in_.consume(used);
  if (pending_count_ == 0 && used > 0) {
    idle_since_ms_ = reactor_.now_ms();
    reactor_.timers().arm(&timer_, idle_since_ms_ + options_.idle_close_ms);
  }
}

// ---- failure, timeouts, backoff --------------------------------------------------------

void PeerConnection::fail(Outcome head_outcome, std::string_view why) {
  log_warn("peer_connection_lost")
      .kv("shard", reactor_.self())
      .kv("node_slot", index_ / kPeerLanes)
      .kv("lane", lane_name())
      .kv("in_flight", pending_count_)
      .kv("reason", why)
      .kv("retry_in_ms", backoff_ms_);
  release_socket();
  state_ = State::kBackoff;
  next_.clear();
  reactor_.timers().arm(&timer_, reactor_.now_ms() + backoff_ms_);
  backoff_ms_ = std::min(backoff_ms_ * 2, options_.backoff_max_ms);
  // Answer last: a callback may queue requests, which the backoff refuses.
  Outcome outcome = head_outcome;
  while (pending_count_ > 0) {
    const Pending p = pop();
    pool_.answer(p.cookie, outcome, 0, {});
    outcome = Outcome::kUnavailable;
  }
}

void PeerConnection::close_quietly(std::string_view why) {
  log_info("peer_connection_closed")
      .kv("shard", reactor_.self())
      .kv("node_slot", index_ / kPeerLanes)
      .kv("lane", lane_name())
      .kv("unanswered", pending_count_)
      .kv("reason", why);
  release_socket();
  state_ = State::kReleasing;
  next_.clear();
  reactor_.timers().cancel(&timer_);
  // The requests still awaiting an answer were not run by the peer, but a new connection is
  // not theirs to decide on: answered like a drop. A callback may queue new requests meanwhile;
  // they wait for the new connection.
  for (size_t n = pending_count_; n > 0; --n) {
    const Pending p = pop();
    pool_.answer(p.cookie, Outcome::kUnavailable, 0, {});
  }
  arm_timer();
  finish_release();
}

void PeerConnection::release_socket() {
  if (fd_ >= 0) {
    if (connect_in_flight_ || send_in_flight_ || recv_in_flight_) {
      io_uring_sqe* sqe = reactor_.sqe();
      io_uring_prep_cancel_fd(sqe, fd_, IORING_ASYNC_CANCEL_ALL);
      io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    }
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_close(sqe, fd_);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    fd_ = -1;
  }
  generation_ = (generation_ + 1) & 0xFFFFFFu;
  // in_ keeps its memory while a receive may still write into it; its bytes are dropped.
  if (!recv_in_flight_) in_.clear();
}

// Once the kernel gave back the old socket's buffers, after a quiet close: the requests queued
// meanwhile open the new connection.
void PeerConnection::finish_release() {
  if (state_ != State::kReleasing || send_in_flight_ || recv_in_flight_ || connect_in_flight_) {
    return;
  }
  in_.clear();
  out_.clear();
  out_sent_ = 0;
  state_ = State::kClosed;
  if (pending_count_ > 0) connect();
}

void PeerConnection::arm_timer() {
  if (pending_count_ == 0) return;
  reactor_.timers().arm(&timer_, pending_[pending_head_].deadline_ms);
}

void PeerConnection::on_timer(TimerNode* node) {
  PeerConnection& c = *static_cast<Timer*>(node)->self;
  if (c.state_ == State::kBackoff) {
    // A new connection waits until the kernel gave back the old one's buffers.
    if (c.send_in_flight_ || c.recv_in_flight_ || c.connect_in_flight_) {
      c.reactor_.timers().arm(&c.timer_, c.reactor_.now_ms() + 10);
      return;
    }
    c.in_.clear();
    c.out_.clear();
    c.state_ = State::kClosed;
    return;
  }
  if (c.pending_count_ == 0) {
    if (c.state_ != State::kOpen) return;
    const uint64_t idle_until = c.idle_since_ms_ + c.options_.idle_close_ms;
    if (idle_until <= c.reactor_.now_ms()) {
      c.close_quietly("idle");
    } else {
      c.reactor_.timers().arm(&c.timer_, idle_until);
    }
    return;
  }
  if (c.pending_[c.pending_head_].deadline_ms <= c.reactor_.now_ms()) {
    c.fail(Outcome::kTimedOut, "answer timed out");
  } else {
    c.arm_timer();
  }
}

// ---- the queue of requests awaiting answers ------------------------------------------------

void PeerConnection::push(const Pending& p) {
  if (pending_count_ == pending_.size()) {
    std::vector<Pending> grown(pending_.size() * 2);
    for (size_t i = 0; i < pending_count_; ++i) {
      grown[i] = pending_[(pending_head_ + i) & (pending_.size() - 1)];
    }
    pending_.swap(grown);
    pending_head_ = 0;
  }
  pending_[(pending_head_ + pending_count_) & (pending_.size() - 1)] = p;
  ++pending_count_;
}

PeerConnection::Pending PeerConnection::pop() {
  const Pending p = pending_[pending_head_];
  pending_head_ = (pending_head_ + 1) & (pending_.size() - 1);
  --pending_count_;
  return p;
}

}  // namespace ringside

#include "tools/storm/client_pool.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>

#include "core/uring.h"
#include "tools/storm/mono_clock.h"

namespace ringside::storm {
namespace {

enum OpKind : uint64_t { kConnectOp = 1, kRecvOp = 2, kSendOp = 3 };

uint64_t user_data(OpKind kind, uint32_t index) { return (uint64_t{kind} << 32) | index; }

// Room for one ringside answer (well under 1 KiB) many times over; grows for larger ones.
constexpr size_t kRecvChunk = size_t{16} * 1024;

}  // namespace

std::string error_key(std::string_view endpoint, const ClientResult& result,
                      std::string_view code) {
  std::string key(endpoint);
  key += ' ';
  if (result.failure != Failure::kNone) {
    key += failure_name(result.failure);
  } else {
    key += std::to_string(result.response.status);
    if (!code.empty()) key.append(" ").append(code);
  }
  return key;
}

const char* failure_name(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kConnect:
      return "connect";
    case Failure::kClosed:
      return "closed";
    case Failure::kTimeout:
      return "timeout";
    case Failure::kBadResponse:
      return "bad_response";
  }
  return "unknown";
}

ClientPool::ClientPool(const Options& options, Callback callback, void* ctx)
    : options_(options),
      callback_(callback),
      ctx_(ctx),
      connections_(std::accumulate(options.lanes.begin(), options.lanes.end(), size_t{0})),
      lanes_(options.lanes.size()) {
  options_.pipeline = std::max<uint32_t>(1, options_.pipeline);
  uint32_t end = 0;
  for (uint32_t l = 0; l < lanes_.size(); ++l) {
    const uint32_t first = end;
    end += options_.lanes[l];
    for (uint32_t i = end; i-- > first;) {
      connections_[i].lane = l;
      lanes_[l].closed.push_back(i);
    }
  }
}

ClientPool::~ClientPool() {
  for (Connection& c : connections_) {
    if (c.fd >= 0) ::close(c.fd);
  }
  if (ring_ready_) io_uring_queue_exit(&ring_);
}

std::string ClientPool::init() {
  // Every connection has at most a connect, or a recv and a send, in flight.
  unsigned cq_entries = 8192;
  while (cq_entries < 4 * connections_.size()) cq_entries *= 2;
  UringFeatures features;
  int rc = setup_ring(&ring_, 4096, cq_entries, /*minimal=*/false, &features);
  if (rc < 0) return std::string("io_uring setup failed: ") + std::strerror(-rc);
  ring_ready_ = true;
  return {};
}

std::string ClientPool::connect_all(uint64_t deadline_ns) {
  const uint64_t failures_before = connect_failures_;
  // open() puts a slot back when it cannot even create a socket: try each slot once.
  for (Lane& lane : lanes_) {
    for (size_t tries = lane.closed.size(); tries > 0; --tries) {
      const uint32_t index = lane.closed.back();
      lane.closed.pop_back();
      open(index);
    }
  }
  while (connecting_ > 0 && mono_ns() < deadline_ns) poll(deadline_ns);
  if (connect_failures_ > failures_before) {
    return std::to_string(connect_failures_ - failures_before) + " of " +
           std::to_string(connections_.size()) + " connections were refused or failed";
  }
  if (connecting_ > 0) {
    return std::to_string(connecting_) + " connections were still connecting at the deadline";
  }
  return {};
}

io_uring_sqe* ClientPool::sqe() {
  io_uring_sqe* entry = io_uring_get_sqe(&ring_);
  while (entry == nullptr) {
    io_uring_submit(&ring_);
    entry = io_uring_get_sqe(&ring_);
  }
  return entry;
}

void ClientPool::submit(uint64_t tag, std::string request, uint32_t lane) {
  lanes_[lane].queue.push_back({tag, std::move(request), false});
}

void ClientPool::open(uint32_t index) {
  Connection& c = connections_[index];
  c.fd = ::socket(options_.address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    // Out of descriptors or similar: count it as a failed connect and put the slot back.
    lanes_[c.lane].closed.push_back(index);
    connect_failed(lanes_[c.lane]);
    return;
  }
  int one = 1;
  ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c.state = State::kConnecting;
  ++connecting_;
  ++lanes_[c.lane].connecting;
  io_uring_sqe* s = sqe();
  io_uring_prep_connect(s, c.fd, reinterpret_cast<const sockaddr*>(&options_.address),
                        options_.address_length);
  io_uring_sqe_set_data64(s, user_data(kConnectOp, index));
  ++c.ops;
}

void ClientPool::arm_recv(uint32_t index) {
  Connection& c = connections_[index];
  c.in.reserve(c.in.size() + kRecvChunk + kBodyPadding);
  const size_t room = c.in.capacity() - c.in.size() - kBodyPadding;
  io_uring_sqe* s = sqe();
  io_uring_prep_recv(s, c.fd, c.in.data() + c.in.size(), room, 0);
  io_uring_sqe_set_data64(s, user_data(kRecvOp, index));
  ++c.ops;
  c.recv_armed = true;
}

void ClientPool::arm_send(uint32_t index) {
  Connection& c = connections_[index];
  io_uring_sqe* s = sqe();
  io_uring_prep_send(s, c.fd, c.out_sending.data() + c.send_offset,
                     c.out_sending.size() - c.send_offset, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, user_data(kSendOp, index));
  ++c.ops;
  c.sending = true;
}

void ClientPool::flush(uint32_t index) {
  Connection& c = connections_[index];
  if (c.state != State::kOpen || c.sending || c.out_pending.empty()) return;
  std::swap(c.out_sending, c.out_pending);
  c.out_pending.clear();
  c.send_offset = 0;
  arm_send(index);
}

void ClientPool::make_available(uint32_t index) {
  Connection& c = connections_[index];
  if (c.available || c.state != State::kOpen || c.in_flight.size() >= options_.pipeline) return;
  Lane& lane = lanes_[c.lane];
  if (c.in_flight.empty() && lane.queue.empty()) c.proven = true;  // it will sit idle
  c.available = true;
  lane.available.push_back(index);
}

void ClientPool::dispatch(Lane& lane, uint64_t now_ns) {
  while (!lane.queue.empty()) {
    if (lane.available.empty()) {
      // Open more connections only for requests that no connection underway will take.
      size_t wanted = lane.queue.size();
      wanted = wanted > lane.connecting ? wanted - lane.connecting : 0;
      while (wanted > 0 && !lane.closed.empty()) {
        const uint32_t index = lane.closed.back();
        lane.closed.pop_back();
        open(index);
        --wanted;
      }
      break;
    }
    const uint32_t index = lane.available.back();
    lane.available.pop_back();
    Connection& c = connections_[index];
    c.available = false;
    if (c.state != State::kOpen || c.in_flight.size() >= options_.pipeline) continue;

    Pending pending = std::move(lane.queue.front());
    lane.queue.pop_front();
    c.out_pending.append(pending.request);
    c.in_flight.push_back({pending.tag, now_ns, std::move(pending.request), pending.resent});
    ++in_flight_;
    if (!c.dirty) {
      c.dirty = true;
      dirty_.push_back(index);
    }
    make_available(index);
  }
}

void ClientPool::dispatch(uint64_t now_ns) {
  for (Lane& lane : lanes_) dispatch(lane, now_ns);
  for (uint32_t index : dirty_) {
    connections_[index].dirty = false;
    flush(index);
  }
  dirty_.clear();
}

void ClientPool::poll(uint64_t deadline_ns) {
  dispatch(mono_ns());
  const uint64_t now = mono_ns();
  const uint64_t wait_ns = deadline_ns > now ? deadline_ns - now : 0;
  __kernel_timespec timeout{};
  timeout.tv_sec = static_cast<int64_t>(wait_ns / kNanosPerSecond);
  timeout.tv_nsec = static_cast<long long>(wait_ns % kNanosPerSecond);
  io_uring_cqe* first = nullptr;
  // -ETIME (deadline) and -EINTR (a signal) both just end the wait.
  io_uring_submit_and_wait_timeout(&ring_, &first, 1, &timeout, nullptr);

  unsigned head = 0;
  unsigned seen = 0;
  io_uring_cqe* cqe = nullptr;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    handle(*cqe);
    ++seen;
  }
  io_uring_cq_advance(&ring_, seen);
  dispatch(mono_ns());
}

void ClientPool::handle(const io_uring_cqe& cqe) {
  const uint64_t data = io_uring_cqe_get_data64(&cqe);
  const auto index = static_cast<uint32_t>(data);
  Connection& c = connections_[index];
  --c.ops;
  switch (static_cast<OpKind>(data >> 32)) {
    case kConnectOp:
      on_connect(index, cqe.res);
      break;
    case kRecvOp:
      c.recv_armed = false;
      on_recv(index, cqe.res);
      break;
    case kSendOp:
      c.sending = false;
      on_send(index, cqe.res);
      break;
  }
  if (c.state == State::kClosing && c.ops == 0) finish_closing(index);
}

void ClientPool::on_connect(uint32_t index, int res) {
  Connection& c = connections_[index];
  --connecting_;
  --lanes_[c.lane].connecting;
  if (res < 0) {
    c.state = State::kClosing;
    connect_failed(lanes_[c.lane]);
    return;
  }
  c.state = State::kOpen;
  ++open_;
  arm_recv(index);
  make_available(index);
}

void ClientPool::on_recv(uint32_t index, int res) {
  Connection& c = connections_[index];
  if (c.state != State::kOpen) return;
  if (res <= 0) {
    shut(index, Failure::kClosed);
    return;
  }
  c.in.commit(static_cast<size_t>(res));
  deliver_responses(index);
  if (c.state != State::kOpen) return;
  arm_recv(index);
  make_available(index);
}

void ClientPool::deliver_responses(uint32_t index) {
  Connection& c = connections_[index];
  size_t offset = 0;
  while (offset < c.in.size()) {
    if (c.in_flight.empty()) {  // bytes nobody asked for
      shut(index, Failure::kBadResponse);
      return;
    }
    const ParsedResponse parsed = parse_response(c.in.view().substr(offset));
    if (parsed.outcome == ParseOutcome::kIncomplete) break;
    if (parsed.outcome == ParseOutcome::kInvalid) {
      shut(index, Failure::kBadResponse);
      return;
    }
    const uint64_t tag = c.in_flight.front().tag;
    c.in_flight.erase(c.in_flight.begin());
    --in_flight_;
    c.proven = true;
    offset += parsed.consumed;
    callback_(ctx_, tag, ClientResult{Failure::kNone, parsed.head, mono_ns()});
    if (parsed.head.close) {
      c.in.clear();
      shut(index, Failure::kClosed);
      return;
    }
  }
  c.in.consume(offset);
}

void ClientPool::on_send(uint32_t index, int res) {
  Connection& c = connections_[index];
  if (c.state != State::kOpen) return;
  if (res < 0) {
    shut(index, Failure::kClosed);
    return;
  }
  c.send_offset += static_cast<size_t>(res);
  if (c.send_offset < c.out_sending.size()) {
    arm_send(index);
    return;
  }
  c.out_sending.clear();
  flush(index);
}

void ClientPool::shut(uint32_t index, Failure failure) {
  Connection& c = connections_[index];
  if (c.state != State::kOpen) return;
  c.state = State::kClosing;
  --open_;
  // Completes the recv (and any send) still in flight on it, so the slot can be reused.
  ::shutdown(c.fd, SHUT_RDWR);
  std::vector<InFlight> requests = std::move(c.in_flight);
  c.in_flight.clear();
  in_flight_ -= requests.size();
  // Only the first request can have part of its answer in the buffer. Requests sent again go
  // back to the front of the queue in their original order.
  const bool may_resend = failure == Failure::kClosed && c.proven;
  std::vector<uint64_t> failed;
  for (size_t i = requests.size(); i-- > 0;) {
    InFlight& r = requests[i];
    if (may_resend && !r.resent && (i > 0 || c.in.empty())) {
      lanes_[c.lane].queue.push_front({r.tag, std::move(r.request), true});
    } else {
      failed.push_back(r.tag);
    }
  }
  const uint64_t now = mono_ns();
  for (size_t i = failed.size(); i-- > 0;) fail(failed[i], failure, now);
}

void ClientPool::finish_closing(uint32_t index) {
  Connection& c = connections_[index];
  ::close(c.fd);
  c.fd = -1;
  c.state = State::kClosed;
  c.proven = false;
  c.in.release();
  c.out_sending.release();
  c.out_pending.release();
  c.send_offset = 0;
  lanes_[c.lane].closed.push_back(index);
}

// A failed connect costs the oldest request waiting in its lane its chance, so that a target
// that refuses connections produces errors instead of an endless reconnect loop.
void ClientPool::connect_failed(Lane& lane) {
  ++connect_failures_;
  if (lane.queue.empty()) return;
  const uint64_t tag = lane.queue.front().tag;
  lane.queue.pop_front();
  fail(tag, Failure::kConnect, mono_ns());
}

void ClientPool::fail(uint64_t tag, Failure failure, uint64_t now_ns) {
  callback_(ctx_, tag, ClientResult{failure, {}, now_ns});
}

void ClientPool::expire(uint64_t now_ns) {
  for (uint32_t index = 0; index < connections_.size(); ++index) {
    const Connection& c = connections_[index];
    if (c.state == State::kOpen && !c.in_flight.empty() &&
        now_ns - c.in_flight.front().written_ns > options_.timeout_ns) {
      shut(index, Failure::kTimeout);
    }
  }
}

}  // namespace ringside::storm

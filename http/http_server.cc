#include "http/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/clock_format.h"
#include "core/log.h"
#include "http/limits.h"
#include "http/request_parser.h"

namespace ringside {

// A connection slot. It derives from TimerNode so the wheel's callback finds it directly.
struct HttpServer::Connection : TimerNode {
  HttpServer* server = nullptr;
  int fd = -1;
  uint32_t index = 0;
  uint32_t generation = 0;
  Phase phase = Phase::kIdle;
  bool recv_armed = false;
  bool send_in_flight = false;
  bool in_flush_list = false;
  bool in_rearm_list = false;
  bool close_after_send = false;  // the last answer is written: close once it is sent
  bool peer_closed = false;
  bool read_paused = false;        // input piled up behind a request awaiting its answer (feed())
  bool continue_sent = false;      // "100 Continue" already sent for the current message
  bool pending_keep_alive = true;  // of the request awaiting an answer from another thread
  uint8_t pending_http_minor = 1;
  uint64_t phase_started_ms = 0;
  uint64_t pending_received_us = 0;
  RequestParser parser;
  ByteBuffer in;         // a partial message, or requests pipelined behind one awaiting its answer
  size_t in_parsed = 0;  // bytes of `in` the parser has already seen
  ByteBuffer out;        // the bytes of the send in flight
  size_t out_sent = 0;
  ByteBuffer next;  // answers gathered while a send is in flight
  size_t held = 0;  // capacity of the buffers above and the parser's, as counted by the shard

  bool active() const { return phase != Phase::kLingering && phase != Phase::kClosing; }
  bool output_pending() const { return send_in_flight || !next.empty(); }
};

namespace {

constexpr uint16_t kBufferGroup = 0;
// Input held while an answer is awaited is bounded too: past it the connection stops reading
// (TCP back-pressure) until the answer lets the requests behind it be parsed.
constexpr size_t kMaxBufferedInput = kMaxHeaderBytes + kMaxForwardBodyBytes + (256 << 10);

}  // namespace

size_t RequestHandler::body_limit(std::string_view, std::string_view) { return kMaxBodyBytes; }

size_t HttpServer::body_limit_of(void* ctx, std::string_view target,
                                 std::string_view authorization) {
  return static_cast<HttpServer*>(ctx)->handler_.body_limit(target, authorization);
}

HttpServer::HttpServer(Reactor& reactor, const HttpServerOptions& options, RequestHandler& handler,
                       HttpMetrics& metrics)
    : reactor_(reactor), options_(options), handler_(handler), metrics_(metrics) {
  accept_retry_.server = this;
  accept_retry_.on_fire = &HttpServer::on_accept_retry;
  reactor_.set_completion_handler(kAcceptCompletion, &HttpServer::on_accept, this);
  reactor_.set_completion_handler(kRecvCompletion, &HttpServer::on_recv, this);
  reactor_.set_completion_handler(kSendCompletion, &HttpServer::on_send, this);
  reactor_.add_batch_end_hook(&HttpServer::on_batch_end, this);
}

HttpServer::~HttpServer() {
  reactor_.timers().cancel(&accept_retry_);
  for (Connection* c : connections_) {
    if (c && c->fd >= 0) close(c->fd);
    delete c;
  }
  for (int fd : parked_fds_) close(fd);
  if (listen_fd_ >= 0) close(listen_fd_);
}

int HttpServer::start(int listen_fd) {
  int rc = buffers_.init(reactor_.ring(), kBufferGroup, options_.recv_buffer_count,
                         options_.recv_buffer_size);
  if (rc != 0) return rc;
  listen_fd_ = listen_fd;
  arm_accept();
  return 0;
}

const char* HttpServer::date_line() {
  int64_t now = reactor_.unix_now();
  if (now != date_second_) {
    date_second_ = now;
    std::memcpy(date_line_, "Date: ", 6);
    format_http_date(now, date_line_ + 6);
    std::memcpy(date_line_ + 35, "\r\n", 3);
  }
  return date_line_;
}

// ---- accepting -------------------------------------------------------------------------

void HttpServer::arm_accept() {
  io_uring_sqe* sqe = reactor_.sqe();
  if (reactor_.features().multishot_accept) {
    io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  } else {
    io_uring_prep_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data64(sqe, pack_user_data(kAcceptCompletion, 0, 0));
  accept_armed_ = true;
}

void HttpServer::on_accept(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<HttpServer*>(ctx);
  if (!(cqe.flags & IORING_CQE_F_MORE)) self->accept_armed_ = false;
  if (cqe.res >= 0) {
    if (self->draining_) {
      close(cqe.res);
    } else {
      self->open_connection(cqe.res);
    }
  } else if (cqe.res == -EMFILE || cqe.res == -ENFILE) {
    // Out of descriptors: retry when a connection closes, or in a second, not in a loop.
    if (!self->accept_retry_.armed()) {
      log_warn("accept_paused").kv("shard", self->reactor_.self()).kv("error", strerror(-cqe.res));
      self->reactor_.timers().arm(&self->accept_retry_, self->reactor_.now_ms() + 1000);
    }
    return;
  } else if (cqe.res != -ECANCELED) {
    log_warn("accept_failed").kv("shard", self->reactor_.self()).kv("error", strerror(-cqe.res));
  }
  self->resume_accept();
}

void HttpServer::resume_accept() {
  if (!accept_armed_ && !draining_ && listen_fd_ >= 0 && open_ < options_.max_connections) {
    arm_accept();
  }
}

void HttpServer::on_accept_retry(TimerNode* node) {
  static_cast<AcceptRetry*>(node)->server->resume_accept();
}

void HttpServer::open_connection(int fd) {
  if (open_ >= options_.max_connections) {
    // At the cap: hold the socket unread until a slot frees, and stop accepting meanwhile.
    parked_fds_.push_back(fd);
    if (accept_armed_) {
      io_uring_sqe* sqe = reactor_.sqe();
      io_uring_prep_cancel64(sqe, pack_user_data(kAcceptCompletion, 0, 0), 0);
      io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    }
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  uint32_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = static_cast<uint32_t>(connections_.size());
    connections_.push_back(new Connection());
    connections_.back()->server = this;
    connections_.back()->index = index;
    connections_.back()->on_fire = &HttpServer::on_timer;
  }
  Connection& c = *connections_[index];
  c.fd = fd;
  c.phase = Phase::kIdle;
  c.phase_started_ms = reactor_.now_ms();
  c.close_after_send = c.peer_closed = c.continue_sent = c.read_paused = false;
  c.parser.set_body_limit(&HttpServer::body_limit_of, this);
  ++open_;
  metrics_.open_connections.set(open_);
  metrics_.accepted_connections.add();
  arm_recv(c);
  update_deadline(c);
}

HttpServer::Connection* HttpServer::lookup(uint64_t user_data) {
  uint32_t index = user_data_index(user_data);
  if (index >= connections_.size()) return nullptr;
  Connection* c = connections_[index];
  if (c->fd < 0 || (c->generation & 0xFFFFFFu) != user_data_generation(user_data)) return nullptr;
  return c;
}

// ---- receiving and parsing ---------------------------------------------------------------

void HttpServer::arm_recv(Connection& c) {
  io_uring_sqe* sqe = reactor_.sqe();
  if (reactor_.features().multishot_recv) {
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  } else {
    io_uring_prep_recv(sqe, c.fd, nullptr, buffers_.buffer_size(), 0);
  }
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_.group_id();
  io_uring_sqe_set_data64(sqe, pack_user_data(kRecvCompletion, c.generation, c.index));
  c.recv_armed = true;
}

void HttpServer::on_recv(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<HttpServer*>(ctx);
  const bool has_buffer = cqe.flags & IORING_CQE_F_BUFFER;
  const auto bid = static_cast<uint16_t>(cqe.flags >> IORING_CQE_BUFFER_SHIFT);
  Connection* c = self->lookup(cqe.user_data);
  if (!c) {
    if (has_buffer) self->buffers_.give_back(bid);
    return;
  }
  if (!(cqe.flags & IORING_CQE_F_MORE)) c->recv_armed = false;

  if (cqe.res > 0) {
    if (c->active() && !c->close_after_send) {
      self->feed(*c, self->buffers_.buffer(bid), static_cast<size_t>(cqe.res));
    }
    self->buffers_.give_back(bid);
  } else if (cqe.res == 0) {
    c->peer_closed = true;
    self->close_when_answered(*c);
  } else if (cqe.res != -ENOBUFS && cqe.res != -ECANCELED) {
    self->start_close(*c, false);
  }
  if (has_buffer && cqe.res <= 0) self->buffers_.give_back(bid);

  if (!c->recv_armed && !c->peer_closed && !c->read_paused && c->phase != Phase::kClosing &&
      !c->in_rearm_list) {
    // Re-armed at the end of the batch, after the buffers have been handed back (ENOBUFS).
    c->in_rearm_list = true;
    self->rearm_list_.push_back(c->index);
  }
  self->maybe_free(*c);
  if (c->fd >= 0) self->account(*c);
}

void HttpServer::feed(Connection& c, const char* data, size_t len) {
  if (c.in.empty() && c.phase != Phase::kAwaitingReply) {
    // The common case: whole requests inside one kernel buffer, parsed in place.
    size_t used = parse(c, data, len, 0);
    if (!c.active() || c.close_after_send) return;
    if (c.phase == Phase::kAwaitingReply) {
      c.in.append(data + used, len - used);
      c.in_parsed = 0;
    } else if (c.parser.in_message() && c.parser.message_start()) {
      // Keep the partial message: the kernel buffer goes back to the ring.
      const char* start = c.parser.message_start();
      c.in.append(start, static_cast<size_t>(data + len - start));
      c.in_parsed = c.in.size();
      c.parser.rebase(c.in.data());
    }
  } else {
    c.in.append(data, len);
    if (c.phase != Phase::kAwaitingReply) parse_buffered(c);
  }
  if (c.active() && c.phase == Phase::kAwaitingReply && c.in.size() > kMaxBufferedInput) {
    pause_reading(c);
  } else if (c.active() && c.in.size() > kMaxBufferedInput) {
    start_close(c, false);
  }
}

// A client (or a peer node) that pipelines faster than its requests are answered is not cut
// off: its connection stops reading, and TCP holds the rest in the kernel and then in the
// sender. complete() reads again once the answer has let the buffered requests be parsed.
void HttpServer::pause_reading(Connection& c) {
  if (c.read_paused) return;
  c.read_paused = true;
  if (!c.recv_armed) return;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_cancel64(sqe, pack_user_data(kRecvCompletion, c.generation, c.index), 0);
  io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
}

void HttpServer::resume_reading(Connection& c) {
  if (!c.read_paused || c.in.size() > kMaxBufferedInput / 2) return;
  c.read_paused = false;
  if (!c.recv_armed && !c.peer_closed && !c.in_rearm_list) {
    c.in_rearm_list = true;
    rearm_list_.push_back(c.index);
  }
}

void HttpServer::parse_buffered(Connection& c) {
  if (c.parser.in_message()) c.parser.rebase(c.in.data());
  size_t used = parse(c, c.in.data(), c.in.size(), c.in_parsed);
  if (!c.active() || c.close_after_send) return;
  if (c.phase == Phase::kAwaitingReply) {
    c.in.consume(used);
    c.in_parsed = 0;
  } else if (c.parser.in_message() && c.parser.message_start()) {
    c.in.consume(static_cast<size_t>(c.parser.message_start() - c.in.data()));
    c.parser.rebase(c.in.data());
    c.in_parsed = c.in.size();
  } else {
    c.in.clear();
    c.in_parsed = 0;
  }
}

size_t HttpServer::parse(Connection& c, const char* region, size_t len, size_t from) {
  size_t pos = from;
  while (pos < len) {
    const bool was_in_message = c.parser.in_message();
    const bool had_headers = c.parser.headers_complete();
    size_t used = 0;
    RequestParser::Status status = c.parser.execute(region + pos, len - pos, &used);
    pos += used;

    if (status == RequestParser::Status::kError) {
      metrics_.bad_requests.add();
      answer_error(c, c.parser.error_status(), c.parser.error_code(), c.parser.error_message());
      return len;
    }
    if (status == RequestParser::Status::kNeedMore) {
      if (!c.parser.in_message()) return pos;  // only blank lines between requests
      if (!was_in_message) {
        c.phase_started_ms = reactor_.now_ms();
        c.continue_sent = false;
      }
      if (!c.parser.headers_complete()) {
        if (c.parser.message_bytes(region + len) > kMaxHeaderBytes) {
          c.parser.fail(431, "headers_too_large", "The request line and headers exceed 8 KiB.");
          answer_error(c, 431, c.parser.error_code(), c.parser.error_message());
          return len;
        }
        c.phase = Phase::kHeaders;
      } else {
        if (!had_headers || c.phase != Phase::kBody) c.phase_started_ms = reactor_.now_ms();
        c.phase = Phase::kBody;
        if (c.parser.expects_continue() && !c.continue_sent) {
          c.continue_sent = true;
          c.next.append("HTTP/1.1 100 Continue\r\n\r\n");
          queue_flush(c);
        }
      }
      update_deadline(c);
      return pos;
    }

    // A complete request.
    Request request = c.parser.request();
    request.received_us = reactor_.now_us();
    Reply reply(scratch_);
    ConnRef ref{c.index, c.generation};
    if (!handler_.handle(request, ref, reply)) {
      c.phase = Phase::kAwaitingReply;
      c.pending_keep_alive = request.keep_alive;
      c.pending_http_minor = request.http_minor;
      c.pending_received_us = request.received_us;
      return pos;
    }
    answer(c, request, reply, request.keep_alive);
    if (!c.active() || c.close_after_send) return len;
  }
  return pos;
}

// ---- answering -------------------------------------------------------------------------

void HttpServer::answer(Connection& c, const Request& request, const Reply& reply,
                        bool keep_alive) {
  const bool close = !keep_alive || reply.close_connection() || draining_;
  write_response(c.next, date_line(), reply.status(), reply.content_type(), reply.extra_headers(),
                 reply.body_view(), close, request.http_minor == 0 && !close);
  metrics_.record(reply.route(), reply.status(), reactor_.now_us() - request.received_us);
  if (close) c.close_after_send = true;
  c.phase = Phase::kIdle;
  c.phase_started_ms = reactor_.now_ms();
  queue_flush(c);
  if (c.next.size() + (c.out.size() - c.out_sent) > options_.max_output_backlog) {
    log_info("output_backlog_exceeded").kv("shard", reactor_.self()).kv("bytes", c.next.size());
    start_close(c, false);
    return;
  }
  update_deadline(c);
}

void HttpServer::answer_error(Connection& c, uint16_t status, std::string_view code,
                              std::string_view message) {
  Reply reply(scratch_);
  reply.error(status, code, message);
  Request request;
  request.received_us = reactor_.now_us();
  answer(c, request, reply, false);
}

void HttpServer::complete(ConnRef ref, const Reply& reply) {
  if (ref.index >= connections_.size()) return;
  Connection& c = *connections_[ref.index];
  if (c.fd < 0 || c.generation != ref.generation || c.phase != Phase::kAwaitingReply) return;
  Request request;
  request.http_minor = c.pending_http_minor;
  request.received_us = c.pending_received_us;
  // A client that half-closed with nothing pipelined gets "Connection: close" right here.
  answer(c, request, reply, c.pending_keep_alive && !(c.peer_closed && c.in.empty()));
  // Requests pipelined behind the one just answered.
  if (c.active() && !c.close_after_send && !c.in.empty()) parse_buffered(c);
  if (c.active()) resume_reading(c);
  if (c.peer_closed) close_when_answered(c);
  if (c.fd >= 0) account(c);
}

// The client half-closed (or closed): every request it sent completely is still answered, in
// order, and the connection closes after the last answer. A partial message can never complete
// now and is dropped.
void HttpServer::close_when_answered(Connection& c) {
  if (!c.active()) {
    start_close(c, false);
    return;
  }
  if (c.phase == Phase::kAwaitingReply) return;  // complete() comes back here
  if (!c.output_pending()) {
    start_close(c, false);
    return;
  }
  c.phase = Phase::kIdle;
  c.close_after_send = true;
}

// ---- sending ---------------------------------------------------------------------------

void HttpServer::queue_flush(Connection& c) {
  if (c.in_flush_list) return;
  c.in_flush_list = true;
  flush_list_.push_back(c.index);
}

void HttpServer::send_next(Connection& c) {
  std::swap(c.out, c.next);
  c.next.clear();
  c.out_sent = 0;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_send(sqe, c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, pack_user_data(kSendCompletion, c.generation, c.index));
  c.send_in_flight = true;
}

void HttpServer::on_send(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<HttpServer*>(ctx);
  Connection* c = self->lookup(cqe.user_data);
  if (!c) return;
  c->send_in_flight = false;
  if (cqe.res < 0 || c->phase == Phase::kClosing) {
    self->start_close(*c, false);
    self->maybe_free(*c);
    return;
  }
  c->out_sent += static_cast<size_t>(cqe.res);
  if (c->out_sent < c->out.size()) {
    io_uring_sqe* sqe = self->reactor_.sqe();
    io_uring_prep_send(sqe, c->fd, c->out.data() + c->out_sent, c->out.size() - c->out_sent,
                       MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, cqe.user_data);
    c->send_in_flight = true;
    return;
  }
  c->out.clear();
  c->out_sent = 0;
  if (!c->next.empty()) {
    self->queue_flush(*c);
  } else if (c->close_after_send && c->phase != Phase::kAwaitingReply) {
    self->start_close(*c, true);
  }
  if (c->fd >= 0) self->account(*c);
}

void HttpServer::on_batch_end(void* ctx) {
  auto* self = static_cast<HttpServer*>(ctx);
  for (uint32_t index : self->flush_list_) {
    Connection& c = *self->connections_[index];
    c.in_flush_list = false;
    if (c.fd >= 0 && c.phase != Phase::kClosing && !c.send_in_flight && !c.next.empty()) {
      self->send_next(c);
    }
  }
  self->flush_list_.clear();
  self->buffers_.publish();
  for (uint32_t index : self->rearm_list_) {
    Connection& c = *self->connections_[index];
    c.in_rearm_list = false;
    if (c.fd >= 0 && c.phase != Phase::kClosing && !c.recv_armed && !c.peer_closed &&
        !c.read_paused) {
      self->arm_recv(c);
    }
  }
  self->rearm_list_.clear();
}

// ---- memory -----------------------------------------------------------------------------

// After each event on a connection: frees its emptied buffers that grew past
// kRetainedBufferBytes, updates the shard's count of buffered bytes, and enforces the budget.
void HttpServer::account(Connection& c) {
  if (c.in.empty() && c.in.capacity() > kRetainedBufferBytes) c.in.release();
  if (c.next.empty() && c.next.capacity() > kRetainedBufferBytes) c.next.release();
  if (!c.send_in_flight && c.out.empty() && c.out.capacity() > kRetainedBufferBytes) {
    c.out.release();
  }
  c.parser.release_idle_memory();
  const size_t held =
      c.in.capacity() + c.out.capacity() + c.next.capacity() + c.parser.held_bytes();
  held_bytes_ = held_bytes_ - c.held + held;
  c.held = held;
  metrics_.buffered_bytes.set(held_bytes_);
  if (held_bytes_ > options_.buffer_budget) enforce_budget();
}

// Over the budget: cut the connection holding the most, then the next, until what the
// others hold fits. Connections already closing count as freed (their memory goes back when
// their last operation completes). Rare, so a scan of the slots is fine.
void HttpServer::enforce_budget() {
  for (;;) {
    size_t closing = 0;
    Connection* largest = nullptr;
    for (Connection* c : connections_) {
      if (c->fd < 0) continue;
      if (c->phase == Phase::kClosing) {
        closing += c->held;
      } else if (!largest || c->held > largest->held) {
        largest = c;
      }
    }
    if (!largest || held_bytes_ - closing <= options_.buffer_budget) return;
    log_warn("connection_buffer_cut")
        .kv("shard", reactor_.self())
        .kv("bytes", largest->held)
        .kv("shard_bytes", held_bytes_ - closing)
        .kv("budget", options_.buffer_budget);
    metrics_.buffer_cuts.add();
    start_close(*largest, false);
  }
}

// ---- timeouts --------------------------------------------------------------------------

void HttpServer::update_deadline(Connection& c) {
  uint64_t timeout;
  switch (c.phase) {
    case Phase::kIdle:
      timeout = options_.keepalive_timeout_ms;
      break;
    case Phase::kHeaders:
      timeout = options_.header_timeout_ms;
      break;
    case Phase::kBody:
      timeout = options_.body_timeout_ms;
      break;
    case Phase::kLingering:
      timeout = options_.linger_ms;
      break;
    default:
      return;  // awaiting another thread's answer, or closing
  }
  // Lazy: the wheel is only touched when the deadline moves earlier; a later deadline is
  // found when the timer fires (see on_timer). Keep-alive requests cost no timer work.
  uint64_t deadline = c.phase_started_ms + timeout;
  if (!c.armed() || deadline < c.deadline_ms) reactor_.timers().arm(&c, deadline);
}

void HttpServer::on_timer(TimerNode* node) {
  auto& c = *static_cast<Connection*>(node);
  HttpServer& self = *c.server;
  uint64_t timeout;
  switch (c.phase) {
    case Phase::kIdle:
      timeout = self.options_.keepalive_timeout_ms;
      break;
    case Phase::kHeaders:
      timeout = self.options_.header_timeout_ms;
      break;
    case Phase::kBody:
      timeout = self.options_.body_timeout_ms;
      break;
    case Phase::kLingering:
      timeout = self.options_.linger_ms;
      break;
    default:
      return;
  }
  uint64_t deadline = c.phase_started_ms + timeout;
  if (deadline > self.reactor_.now_ms()) {
    self.reactor_.timers().arm(&c, deadline);
    return;
  }
  if (c.phase == Phase::kHeaders || c.phase == Phase::kBody) {
    self.answer_error(c, 408, "request_timeout", "The request did not arrive in time.");
    self.account(c);
  } else {
    self.start_close(c, false);
    self.maybe_free(c);
  }
}

// ---- closing ---------------------------------------------------------------------------

void HttpServer::start_close(Connection& c, bool graceful) {
  if (c.phase == Phase::kClosing) return;
  if (graceful && c.phase != Phase::kLingering && c.recv_armed) {
    // Lingering close: send our FIN, keep reading (and discarding) until the client closes
    // too, so data it already sent cannot turn our last answer into a reset.
    c.phase = Phase::kLingering;
    c.phase_started_ms = reactor_.now_ms();
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_shutdown(sqe, c.fd, SHUT_WR);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
    update_deadline(c);
    return;
  }
  c.phase = Phase::kClosing;
  reactor_.timers().cancel(&c);
  if (c.recv_armed || c.send_in_flight) {
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  }
  maybe_free(c);
}

void HttpServer::maybe_free(Connection& c) {
  if (c.phase == Phase::kLingering && !c.recv_armed) {
    start_close(c, false);
    return;
  }
  if (c.phase != Phase::kClosing || c.recv_armed || c.send_in_flight || c.fd < 0) return;
  io_uring_sqe* sqe = reactor_.sqe();
  io_uring_prep_close(sqe, c.fd);
  io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  c.fd = -1;
  c.generation = (c.generation + 1) & 0xFFFFFFu;
  // A free slot holds no memory: after a storm, thousands of slots may stay unused.
  c.in.release();
  c.in_parsed = 0;
  c.out.release();
  c.out_sent = 0;
  c.next.release();
  c.parser.~RequestParser();
  new (&c.parser) RequestParser();
  held_bytes_ -= c.held;
  c.held = 0;
  metrics_.buffered_bytes.set(held_bytes_);
  free_slots_.push_back(c.index);
  --open_;
  metrics_.open_connections.set(open_);

  if (!draining_ && !parked_fds_.empty()) {
    int fd = parked_fds_.front();
    parked_fds_.erase(parked_fds_.begin());
    open_connection(fd);
  }
  resume_accept();
}

void HttpServer::begin_drain() {
  if (draining_) return;
  draining_ = true;
  if (accept_armed_) {
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_cancel64(sqe, pack_user_data(kAcceptCompletion, 0, 0), 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kIgnoredCompletion, 0, 0));
  }
  if (listen_fd_ >= 0) {
    close(listen_fd_);
    listen_fd_ = -1;
  }
  for (int fd : parked_fds_) close(fd);
  parked_fds_.clear();
  for (Connection* c : connections_) {
    if (c->fd < 0 || !c->active()) continue;
    if (c->phase == Phase::kIdle && !c->output_pending()) {
      start_close(*c, false);
    } else if (c->phase == Phase::kIdle) {
      c->close_after_send = true;
    }
    // Connections in the middle of a request are answered with "Connection: close".
  }
}

void HttpServer::close_all() {
  for (Connection* c : connections_) {
    if (c->fd >= 0) start_close(*c, false);
  }
}

}  // namespace ringside

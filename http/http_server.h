#pragma once
// The HTTP/1.1 side of one shard: its own SO_REUSEPORT listening socket, the connections it
// accepted, their parsers, output buffers and timeouts. Requests go to a RequestHandler; an
// answer that cannot be given at once (it needs another thread) comes back through complete().
//
// Per connection, at most one send is in flight. Responses produced while it flies are
// gathered in a second buffer and leave together in the next send, so N pipelined requests
// answered in one loop iteration cost one send.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/provided_buffers.h"
#include "core/reactor.h"
#include "http/reply.h"
#include "http/request.h"
#include "model/conn_ref.h"
#include "model/metrics/http_metrics.h"

namespace ringside {

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Returns true when `reply` holds the answer. Returns false when the request was taken to
  // be answered later: the handler then calls HttpServer::complete(ref, ...) exactly once,
  // on this shard's thread (a connection that died meanwhile is ignored there).
  virtual bool handle(const Request& request, ConnRef ref, Reply& reply) = 0;
  // The largest body accepted for a request with this target and Authorization value, asked
  // once its headers are read (http/request_parser.h); past it the answer is 413.
  virtual size_t body_limit(std::string_view target, std::string_view authorization);
};

struct HttpServerOptions {
  uint32_t max_connections = 100000;  // per shard; accept pauses beyond it
  uint32_t header_timeout_ms = 10000;
  uint32_t body_timeout_ms = 30000;
  uint32_t keepalive_timeout_ms = 75000;
  uint32_t linger_ms = 2000;            // reading-and-discarding after our FIN before closing
  size_t max_output_backlog = 4 << 20;  // bytes waiting to be sent before a client is cut off
  // Bytes all connections' buffers may hold; past it the largest holders are cut.
  size_t buffer_budget = size_t{256} << 20;
  uint32_t recv_buffer_count = 1024;  // provided buffers (power of two)
  uint32_t recv_buffer_size = 4096;
};

class HttpServer {
 public:
  HttpServer(Reactor& reactor, const HttpServerOptions& options, RequestHandler& handler,
             HttpMetrics& metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Takes ownership of a listening socket (http/listen_socket.h) and starts accepting.
  // Returns 0 or -errno.
  int start(int listen_fd);
  // Answers a request that handle() took for later.
  void complete(ConnRef ref, const Reply& reply);
  // Stops accepting, closes idle connections, and closes the others after their answer.
  void begin_drain();
  // Closes every connection now (drain deadline passed).
  void close_all();
  size_t open_connections() const { return open_; }

 private:
  struct Connection;
  enum class Phase : uint8_t { kIdle, kHeaders, kBody, kAwaitingReply, kLingering, kClosing };

  static void on_accept(void* ctx, const io_uring_cqe& cqe);
  static void on_recv(void* ctx, const io_uring_cqe& cqe);
  static void on_send(void* ctx, const io_uring_cqe& cqe);
  static void on_batch_end(void* ctx);
  static void on_timer(TimerNode* node);
  static size_t body_limit_of(void* ctx, std::string_view target, std::string_view authorization);

  void arm_accept();
  void resume_accept();
  static void on_accept_retry(TimerNode* node);
  void open_connection(int fd);
  Connection* lookup(uint64_t user_data);
  void arm_recv(Connection& c);
  void feed(Connection& c, const char* data, size_t len);
  void parse_buffered(Connection& c);
  void pause_reading(Connection& c);
  void resume_reading(Connection& c);
  // Parses and answers requests in region[from..len); returns bytes used.
  size_t parse(Connection& c, const char* region, size_t len, size_t from);
  void answer(Connection& c, const Request& request, const Reply& reply, bool keep_alive);
  void answer_error(Connection& c, uint16_t status, std::string_view code,
                    std::string_view message);
  void close_when_answered(Connection& c);
  void queue_flush(Connection& c);
  void send_next(Connection& c);
  void account(Connection& c);
  void enforce_budget();
  void update_deadline(Connection& c);
  void start_close(Connection& c, bool graceful);
  void maybe_free(Connection& c);
  const char* date_line();

  Reactor& reactor_;
  HttpServerOptions options_;
  RequestHandler& handler_;
  HttpMetrics& metrics_;
  ProvidedBuffers buffers_;
  ByteBuffer scratch_;  // bodies of synchronous replies
  std::vector<Connection*> connections_;
  std::vector<uint32_t> free_slots_;
  std::vector<uint32_t> flush_list_;
  std::vector<uint32_t> rearm_list_;
  std::vector<int> parked_fds_;  // accepted beyond the cap: served when a slot frees
  int listen_fd_ = -1;
  bool accept_armed_ = false;
  struct AcceptRetry : TimerNode {
    HttpServer* server = nullptr;
  } accept_retry_;
  bool draining_ = false;
  size_t open_ = 0;
  size_t held_bytes_ = 0;  // sum of Connection::held
  int64_t date_second_ = -1;
  char date_line_[40] = {};
};

}  // namespace ringside

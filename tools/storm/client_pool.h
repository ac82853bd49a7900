#pragma once
// storm's HTTP/1.1 client: one thread, one io_uring ring, a pool of keep-alive connections to
// one target. Requests wait in a FIFO queue until a connection is free (by default a
// connection carries one request at a time, as a browser's does; `pipeline` > 1 lets it carry
// that many). The connections are split into lanes, each with its own queue: a request waits
// only for a connection of its lane, so that one load (storm's steady status polls) never
// queues behind another (the players' flows), while one ring and one loop still serve both. The
// connection used last is handed out first, as browsers do: under load every connection is busy
// anyway, and when load falls the idle ones are left for the server to close, instead of each
// request landing on the connection most likely to be timing out.
//
// Why io_uring and not epoll: a loop iteration turns every send, recv and connect it prepared
// into one io_uring_enter, which also waits for the next completions, so the syscall count per
// request falls as the load rises, where epoll would pay a send and a recv syscall per request
// on top of epoll_wait. Plain one-shot recv/send SQEs are enough for a client: each connection
// owns its receive buffer, and one recv stays armed on every open connection, so a server
// closing an idle connection is noticed at once.
//
// A request that fails on a proven connection — one that has answered before or has sat idle
// in the pool — before any byte of its answer came back (the server closed the idle connection
// just as the request went out) is sent once more on another connection, as browsers do;
// every other failure is reported to the caller.
#include <liburing.h>
#include <sys/socket.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_buffer.h"
#include "tools/storm/response_parser.h"

namespace ringside::storm {

enum class Failure : uint8_t {
  kNone,         // a complete HTTP response
  kConnect,      // no connection could be opened for it
  kClosed,       // the connection was closed or reset before the answer was complete
  kTimeout,      // no complete answer within the request timeout
  kBadResponse,  // bytes that are not a response storm can read
};
const char* failure_name(Failure failure);

// Bytes readable after a response body, so that simdjson can parse the body in place.
inline constexpr size_t kBodyPadding = 64;

struct ClientResult {
  Failure failure = Failure::kNone;
  HttpResponseHead response;  // valid when failure is kNone; body valid during the callback only
  uint64_t done_ns = 0;       // when the answer (or the failure) arrived
};

// What a failed request counts under in the error table: "ENDPOINT FAILURE" when no answer
// came, else "ENDPOINT STATUS" and the answer's error code, if it has one.
std::string error_key(std::string_view endpoint, const ClientResult& result, std::string_view code);

class ClientPool {
 public:
  struct Options {
    sockaddr_storage address{};
    socklen_t address_length = 0;
    std::vector<uint32_t> lanes{256};      // connections of each lane; lane 0 first
    uint32_t pipeline = 1;                 // requests in flight per connection
    uint64_t timeout_ns = 30'000'000'000;  // from the request's write to its complete answer
  };
  // Called once per submitted request with its tag. It may call submit(), nothing else.
  using Callback = void (*)(void* ctx, uint64_t tag, const ClientResult& result);

  ClientPool(const Options& options, Callback callback, void* ctx);
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // Sets up the ring. Returns "" or what failed.
  std::string init();
  // Opens every connection of the pool, waiting until `deadline_ns` at most. Returns "" or
  // why some could not be opened.
  std::string connect_all(uint64_t deadline_ns);

  // Queues a complete HTTP/1.1 request for a connection of `lane`; it goes out on the next
  // poll().
  void submit(uint64_t tag, std::string request, uint32_t lane = 0);
  // Writes queued requests to free connections, waits for completions until `deadline_ns`
  // (returns early on the first completion or a signal), and handles all that arrived.
  void poll(uint64_t deadline_ns);
  // Fails the requests that have waited longer than the timeout for their answer (closing
  // their connections); call it every second or so.
  void expire(uint64_t now_ns);

  size_t queued(uint32_t lane = 0) const { return lanes_[lane].queue.size(); }
  size_t in_flight() const { return in_flight_; }
  uint32_t open_connections() const { return open_; }

 private:
  enum class State : uint8_t { kClosed, kConnecting, kOpen, kClosing };
  struct Pending {
    uint64_t tag;
    std::string request;
    bool resent;
  };
  struct InFlight {
    uint64_t tag;
    uint64_t written_ns;
    std::string request;  // kept to send it again (see above)
    bool resent;
  };
  struct Lane {
    std::vector<uint32_t> closed;     // slots free to open
    std::vector<uint32_t> available;  // open connections with room for a request, newest last
    std::deque<Pending> queue;
    uint32_t connecting = 0;
  };
  struct Connection {
    int fd = -1;
    uint32_t lane = 0;
    State state = State::kClosed;
    uint8_t ops = 0;  // SQEs whose completion has not arrived yet
    bool recv_armed = false;
    bool sending = false;
    bool available = false;  // listed in its lane's available
    bool dirty = false;      // listed in dirty_
    bool proven = false;     // has answered or sat idle: a close there may be an idle timeout
    std::vector<InFlight> in_flight;
    ByteBuffer in;
    ByteBuffer out_sending;  // what the send in flight reads from: not touched until it completes
    ByteBuffer out_pending;  // requests written since
    size_t send_offset = 0;
  };

  io_uring_sqe* sqe();
  void open(uint32_t index);
  void arm_recv(uint32_t index);
  void arm_send(uint32_t index);
  void flush(uint32_t index);
  void dispatch(uint64_t now_ns);
  void dispatch(Lane& lane, uint64_t now_ns);
  void handle(const io_uring_cqe& cqe);
  void on_connect(uint32_t index, int res);
  void on_recv(uint32_t index, int res);
  void on_send(uint32_t index, int res);
  void deliver_responses(uint32_t index);
  void make_available(uint32_t index);
  // Ends the connection: its requests fail with `failure` or are queued again; the socket is
  // closed once every SQE on it has completed.
  void shut(uint32_t index, Failure failure);
  void finish_closing(uint32_t index);
  void connect_failed(Lane& lane);
  void fail(uint64_t tag, Failure failure, uint64_t now_ns);

  Options options_;
  Callback callback_;
  void* ctx_;
  io_uring ring_{};
  bool ring_ready_ = false;
  std::vector<Connection> connections_;
  std::vector<Lane> lanes_;
  std::vector<uint32_t> dirty_;  // connections with output to flush
  size_t in_flight_ = 0;
  uint32_t open_ = 0;
  uint32_t connecting_ = 0;  // in every lane
  uint64_t connect_failures_ = 0;
};

}  // namespace ringside::storm

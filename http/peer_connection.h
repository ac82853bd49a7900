#pragma once
// One shard's persistent, pipelined HTTP/1.1 connection to another ringside node
// (docs/cluster.md, "Forwarding between nodes"). Opened on first use and kept. Requests are
// written back to back without waiting for answers (those of one loop iteration leave in one
// send), and answers are matched to requests in order — HTTP/1.1 answers pipelined requests in
// order, and ringside frames every body with Content-Length (http/peer_response.h).
//
// Every request is answered exactly once through the pool's callback, with an Outcome:
//   kAnswered     the peer's response (status and body);
//   kUnavailable  no connection (connect refused, socket() failed, or within the reconnect
//                 backoff), or it dropped before the answer came. Never retried here: the
//                 request may have been executed (a launch is not idempotent); the client
//                 decides.
//   kTimedOut     no answer within Options::timeout_ms. Answers must stay in order, so the
//                 connection is closed, and the requests behind it are kUnavailable.
// After a failure the connection waits (backoff: 100 ms doubling to 5 s, reset by an answer)
// and is opened again by the next request after that. Closes that are part of normal life are
// no failure and cost no backoff: the peer closing an idle connection (its keep-alive timeout),
// our own close after Options::idle_close_ms without requests, and an answer with
// "Connection: close" (the requests behind it, which the peer did not run, are kUnavailable);
// the next request opens a new connection at once.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_buffer.h"
#include "core/reactor.h"

namespace ringside {

class PeerPool;

// Which of the connections to a peer a request takes (docs/cluster.md, "The peer connection").
// The peer answers a connection's requests in order, so one it answers later (a launch waiting
// for its commit, a stop for its figures) holds up everything behind it, up to the timeout.
// Requests answered at once from memory (status polls, keepalives, listings) take a connection
// of their own and never queue behind those.
enum class PeerLane : uint8_t { kAtOnce, kMayWait };
inline constexpr uint32_t kPeerLanes = 2;

class PeerConnection {
 public:
  enum class Outcome : uint8_t { kAnswered, kUnavailable, kTimedOut };
  struct Options {
    uint32_t timeout_ms = 5000;
    uint32_t backoff_min_ms = 100;
    uint32_t backoff_max_ms = 5000;
    // Closed from this side after this long without requests: shorter than the peer's
    // keep-alive timeout (75 s by default), so the peer never closes a connection a request is
    // being sent on.
    uint32_t idle_close_ms = 30000;
  };

  // `head` is the request up to and including "Content-Length: " (docs/cluster.md); send()
  // adds the length, the blank line and the body.
  // `index` is the connection's place in the pool: node slot x kPeerLanes + lane.
  PeerConnection(PeerPool& pool, uint32_t index, const sockaddr_storage& address,
                 socklen_t address_len, std::string head, const Options& options);
  ~PeerConnection();
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Queues a request whose body is `body_len` bytes that `write(char*)` writes; its answer
  // comes back with `cookie`. False (nothing queued, nothing will be answered) while the
  // connection waits out its backoff: the caller answers at once.
  template <class Write>
  bool send(uint64_t cookie, uint32_t body_len, Write&& write) {
    if (!begin_request(cookie, body_len)) return false;
    write(next_.prepare(body_len));
    next_.commit(body_len);
    return true;
  }

  size_t in_flight() const { return pending_count_; }
  bool open() const { return state_ == State::kOpen; }

  // For PeerPool.
  void on_completion(const io_uring_cqe& cqe);
  void flush();

 private:
  // kReleasing: closed, waiting for the kernel to give back the old socket's buffers; requests
  // queue meanwhile and a new connection opens right after.
  enum class State : uint8_t { kClosed, kConnecting, kOpen, kReleasing, kBackoff };
  enum Op : uint32_t { kConnect, kSend, kRecv };
  struct Pending {
    uint64_t cookie;
    uint64_t deadline_ms;
  };
  struct Timer : TimerNode {
    PeerConnection* self = nullptr;
  };

  bool begin_request(uint64_t cookie, uint32_t body_len);
  void connect();
  void arm_recv();
  void on_connect(int res);
  void on_send(int res);
  void on_recv(int res);
  void read_answers();
  void fail(Outcome head_outcome, std::string_view why);
  // A close that is no failure: no backoff, no warning (see the top of this file).
  void close_quietly(std::string_view why);
  void release_socket();
  void finish_release();
  void push(const Pending& p);
  Pending pop();
  void arm_timer();
  static void on_timer(TimerNode* node);
  uint64_t user_data(Op op) const;
  std::string_view lane_name() const {
    return static_cast<PeerLane>(index_ % kPeerLanes) == PeerLane::kAtOnce ? "at_once" : "may_wait";
  }

  PeerPool& pool_;
  Reactor& reactor_;
  const uint32_t index_;  // in the pool (see the constructor)
  const sockaddr_storage address_;
  const socklen_t address_len_;
  const std::string head_;
  const Options options_;
  State state_ = State::kClosed;
  int fd_ = -1;
  uint32_t generation_ = 0;
  // Operations the kernel still holds buffers of. They survive a drop (their completions come
  // with the old generation), and a new connection waits for them: the kernel may still be
  // reading `out_` or writing `in_`.
  bool send_in_flight_ = false;
  bool recv_in_flight_ = false;
  bool connect_in_flight_ = false;
  ByteBuffer out_;  // the bytes of the send in flight
  size_t out_sent_ = 0;
  ByteBuffer next_;  // requests queued since
  ByteBuffer in_;    // answers received, not yet matched
  // Requests sent or queued, oldest first: a ring (power-of-two capacity) that grows, then
  // stays, so the steady path does not allocate.
  std::vector<Pending> pending_;
  size_t pending_head_ = 0;
  size_t pending_count_ = 0;
  uint32_t backoff_ms_;
  uint64_t idle_since_ms_ = 0;  // when the last request in flight was answered
  Timer timer_;
};

}  // namespace ringside

#pragma once
// A shard's connections to the other nodes (http/peer_connection.h): at most one per node
// slot and lane (PeerLane), made when first asked for, and kept. The pool owns the shard's
// kPeerCompletion handler and sends what its connections queued at the end of each loop
// iteration, so the requests of one iteration leave together.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "http/peer_connection.h"

namespace ringside {

class PeerPool {
 public:
  // Called once per request sent: the outcome and, when answered, the peer's status and body
  // (a view valid during the call).
  using AnswerFn = void (*)(void* ctx, uint64_t cookie, PeerConnection::Outcome outcome,
                            uint16_t status, std::string_view body);

  PeerPool(Reactor& reactor, std::string_view cluster_key, AnswerFn on_answer, void* ctx,
           const PeerConnection::Options& options = {});
  ~PeerPool();
  PeerPool(const PeerPool&) = delete;
  PeerPool& operator=(const PeerPool&) = delete;

  // The connection to node `slot` at host:port (an IP literal) for `lane`, made on first use;
  // null when the host is not an IP literal (logged once).
  PeerConnection* connection(uint16_t slot, PeerLane lane, std::string_view host, uint16_t port);

  // For PeerConnection.
  Reactor& reactor() { return reactor_; }
  void answer(uint64_t cookie, PeerConnection::Outcome outcome, uint16_t status,
              std::string_view body) {
    answer_(ctx_, cookie, outcome, status, body);
  }
  void queue_flush(uint32_t index);

 private:
  static void on_completion(void* ctx, const io_uring_cqe& cqe);
  static void on_batch_end(void* ctx);

  Reactor& reactor_;
  std::string authorization_;  // "Authorization: Bearer <cluster key>\r\n"
  AnswerFn answer_;
  void* ctx_;
  PeerConnection::Options options_;
  // By index: node slot x kPeerLanes + lane.
  std::vector<std::unique_ptr<PeerConnection>> connections_;
  std::vector<bool> unusable_;  // by node slot: logged once
  std::vector<uint32_t> flush_list_;
  std::vector<bool> in_flush_list_;
};

}  // namespace ringside

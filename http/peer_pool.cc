#include "http/peer_pool.h"

#include <arpa/inet.h>

#include <string>

#include "core/log.h"

namespace ringside {

PeerPool::PeerPool(Reactor& reactor, std::string_view cluster_key, AnswerFn on_answer, void* ctx,
                   const PeerConnection::Options& options)
    : reactor_(reactor), answer_(on_answer), ctx_(ctx), options_(options) {
  authorization_ = "Authorization: Bearer ";
  authorization_.append(cluster_key);
  authorization_.append("\r\n");
  reactor_.set_completion_handler(kPeerCompletion, &PeerPool::on_completion, this);
  reactor_.add_batch_end_hook(&PeerPool::on_batch_end, this);
}

PeerPool::~PeerPool() { reactor_.remove_batch_end_hook(&PeerPool::on_batch_end, this); }

PeerConnection* PeerPool::connection(uint16_t slot, PeerLane lane, std::string_view host,
                                     uint16_t port) {
  const uint32_t index = slot * kPeerLanes + static_cast<uint32_t>(lane);
  if (index < connections_.size() && connections_[index]) return connections_[index].get();
  if (slot < unusable_.size() && unusable_[slot]) return nullptr;
  sockaddr_storage address{};
  socklen_t len = 0;
  const std::string host_text(host);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, host_text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host_text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    if (unusable_.size() <= slot) unusable_.resize(slot + 1u);
    unusable_[slot] = true;
    log_error("peer_address_unusable")
        .kv("shard", reactor_.self())
        .kv("node_slot", slot)
        .kv("host", host)
        .kv("reason", "not an IP literal");
    return nullptr;
  }
  std::string head = "POST /_ringside/forward HTTP/1.1\r\nHost: ";
  head.append(host);
  head.append(":");
  head.append(std::to_string(port));
  head.append("\r\n");
  head.append(authorization_);
  head.append("Content-Type: application/octet-stream\r\nContent-Length: ");
  if (connections_.size() <= index) {
    connections_.resize(index + 1u);
    in_flush_list_.resize(index + 1u);
  }
  connections_[index] =
      std::make_unique<PeerConnection>(*this, index, address, len, std::move(head), options_);
  return connections_[index].get();
}

void PeerPool::queue_flush(uint32_t index) {
  if (in_flush_list_[index]) return;
  in_flush_list_[index] = true;
  flush_list_.push_back(index);
}

void PeerPool::on_completion(void* ctx, const io_uring_cqe& cqe) {
  auto* self = static_cast<PeerPool*>(ctx);
  const uint32_t index = user_data_index(cqe.user_data) / 4;
  if (index < self->connections_.size() && self->connections_[index]) {
    self->connections_[index]->on_completion(cqe);
  }
}

void PeerPool::on_batch_end(void* ctx) {
  auto* self = static_cast<PeerPool*>(ctx);
  for (uint32_t index : self->flush_list_) {
    self->in_flush_list_[index] = false;
    self->connections_[index]->flush();
  }
  self->flush_list_.clear();
}

}  // namespace ringside

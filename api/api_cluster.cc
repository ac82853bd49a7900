// Requests between nodes (docs/cluster.md, "Forwarding between nodes"). The origin — the node
// a request reached — sends a player request whose partition another node serves to that node
// as POST /_ringside/forward (body: ForwardRequest in its wire form, model/messages.cc) over
// the shard's persistent connection (http/peer_pool.h), and relays the ForwardReply that comes
// back. The owner runs it through the same path as its own requests (this shard, or the owning
// shard by mailbox) and answers 200 with the ForwardReply. A forwarded request is never
// forwarded again.
#include <openssl/crypto.h>

#include "api/api.h"
#include "api/forward.h"
#include "api/routes.h"
#include "core/log.h"
#include "http/limits.h"
#include "model/partition.h"

namespace ringside {
namespace {

constexpr std::string_view kWireContentType = "application/octet-stream";
constexpr std::string_view kForwardPath = "/_ringside/forward";

// The connection and route of a request at the origin, as the peer connection carries them:
// index (32 bits), generation (24 bits), route (8 bits).
static_assert(kRouteCount <= 256);
uint64_t cookie_of(ConnRef ref, uint16_t route) {
  return uint64_t{ref.index} | (uint64_t{ref.generation & 0xFFFFFFu} << 32) |
         (uint64_t{route} << 56);
}
ConnRef ref_of(uint64_t cookie) {
  return {static_cast<uint32_t>(cookie), static_cast<uint32_t>(cookie >> 32) & 0xFFFFFFu};
}

void unavailable(Reply& reply, std::string_view message) {
  reply.error(503, "unavailable", message);
  reply.add_header("Retry-After", "1");
}

}  // namespace

// ---- origin ------------------------------------------------------------------------------

bool Api::forward_to_node(uint16_t partition, ConnRef ref, const PlayerCall& call, Reply& reply) {
  const uint16_t slot = routes_.node_of(partition);
  const NodeAddress* node = slot == kNoOwner ? nullptr : routes_.node(slot);
  const PeerLane lane = answers_later(call.route) ? PeerLane::kMayWait : PeerLane::kAtOnce;
  PeerConnection* peer = node ? peers_.connection(slot, lane, node->host, node->port) : nullptr;
  metrics_.node_forwarded_requests.add();
  if (peer) {
    const ForwardRequest m = forward_request(ref, call);
    if (peer->send(cookie_of(ref, call.route), m.encoded_size(),
                   [&m](char* out) { m.encode(out); }))
      return false;
  }
  metrics_.node_forward_failures.add();
  unavailable(reply, slot == kNoOwner ? "The player's partition is changing owner."
                                      : "The player's node is unavailable.");
  return true;
}

uint32_t Api::ask_nodes_for_listing(void* ctx, uint64_t id, std::string_view query,
                                    bool* unserved) {
  auto* self = static_cast<Api*>(ctx);
  // Each node serving some partition, once.
  std::vector<bool> asked;
  uint32_t count = 0;
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    const uint16_t slot = self->routes_.node_of(p);
    if (slot == kNoOwner) *unserved = true;
    if (slot == kSelfNode || slot == kNoOwner) continue;
    if (asked.size() <= slot) asked.resize(slot + 1u);
    if (asked[slot]) continue;
    asked[slot] = true;
    const NodeAddress* node = self->routes_.node(slot);
    PeerConnection* peer =
        node ? self->peers_.connection(slot, PeerLane::kMayWait, node->host, node->port) : nullptr;
    ForwardRequest m;
    // The listing's id where a forward carries the origin's connection (cookie_of).
    m.ref = {static_cast<uint32_t>(id), static_cast<uint32_t>(id >> 32) & 0xFFFFFFu};
    m.route = kRouteOperatorSessions;
    m.query = query;
    if (peer && peer->send(cookie_of(m.ref, m.route), m.encoded_size(),
                           [&m](char* out) { m.encode(out); })) {
      ++count;
    } else {
      *unserved = true;  // that node's sessions are not in the answer
    }
  }
  return count;
}

void Api::on_peer_answer(void* ctx, uint64_t cookie, PeerConnection::Outcome outcome,
                         uint16_t status, std::string_view body) {
  auto* self = static_cast<Api*>(ctx);
  if (static_cast<uint16_t>(cookie >> 56) == kRouteOperatorSessions) {
    // A node's part of a listing (never a forwarded request: a listing has no owner).
    const ConnRef id = ref_of(cookie);
    ForwardReply m;
    const bool answered = outcome == PeerConnection::Outcome::kAnswered && status == 200 &&
                          ForwardReply::decode(body, &m) && m.status == 200;
    if (!answered) self->metrics_.node_forward_failures.add();
    self->player_.operator_sessions().on_node_part(
        uint64_t{id.index} | (uint64_t{id.generation} << 32), answered, m.body);
    return;
  }
  Reply reply(self->reply_body_);
  reply.set_route(static_cast<uint16_t>(cookie >> 56));
  ForwardReply m;
  if (outcome == PeerConnection::Outcome::kAnswered && status == 200 &&
      ForwardReply::decode(body, &m)) {
    read_forward_reply(m, reply);
  } else if (outcome == PeerConnection::Outcome::kTimedOut) {
    self->metrics_.node_forward_failures.add();
    reply.error(504, "gateway_timeout", "The player's node did not answer in time.");
    reply.add_header("Retry-After", "1");
  } else if (outcome == PeerConnection::Outcome::kUnavailable || status == 503) {
    // Unreachable, dropped before answering, or no longer serving the partition.
    self->metrics_.node_forward_failures.add();
    unavailable(reply, "The player's node is unavailable.");
  } else {
    // A peer refusing our key or our message: the nodes disagree on their configuration.
    log_warn("peer_refused_forward")
        .kv("shard", self->reactor_.self())
        .kv("status", static_cast<unsigned>(status));
    self->metrics_.node_forward_failures.add();
    reply.error(502, "bad_gateway", "The player's node refused the request.");
  }
  self->http_->complete(ref_of(cookie), reply);
}

// ---- owner -------------------------------------------------------------------------------

bool Api::is_cluster_key(std::string_view key) const {
  return key.size() == cluster_key_.size() &&
         CRYPTO_memcmp(key.data(), cluster_key_.data(), key.size()) == 0;
}

size_t Api::body_limit(std::string_view target, std::string_view authorization) {
  // Checked before the body is read: a stranger's body stays limited to kMaxBodyBytes.
  if (target == kForwardPath && is_cluster_key(bearer_token(authorization))) {
    return kMaxForwardBodyBytes;
  }
  return kMaxBodyBytes;
}

bool Api::handle_node_forward(const Request& request, ConnRef ref, Reply& reply) {
  const std::string_view key = bearer_token(request.authorization);
  if (key.empty()) {
    reply.error(401, "unauthorized", "The cluster key is missing.");
    return true;
  }
  if (!is_cluster_key(key)) {
    reply.error(403, "forbidden", "The cluster key is wrong.");
    return true;
  }
  ForwardRequest m;
  if (!ForwardRequest::decode(request.body, &m) ||
      (m.route != kRouteOperatorLaunch && !is_player_route(m.route) &&
       !is_operator_session_route(m.route) && m.route != kRouteOperatorSessions)) {
    reply.error(400, "invalid_request", "The body is not a forwarded request.");
    return true;
  }
  PlayerCall call;
  read_forward(m, &call, &launch_body_);
  // The partition and local shard, as Api::owner_of finds them. A token that names none is
  // refused by the player handler of this shard (401, wrapped like any answer).
  const uint32_t self = reactor_.self();
  uint32_t shard = self;
  int partition = -1;
  if (std::optional<uint16_t> p = partition_of(call, runtime_.legacy_tokens)) {
    partition = *p;
    shard = shard_of_partition(*p, runtime_.shard_count());
  }
  if (partition >= 0 && !routes_.served_here(static_cast<uint16_t>(partition))) {
    unavailable(reply, "This node does not serve the player's partition.");
    return true;
  }
  if (node_forwarded_.size() <= ref.index) node_forwarded_.resize(ref.index + 1u);
  node_forwarded_[ref.index] = {ref.generation, true, m.ref};
  if (shard != self) {
    send_forward(reactor_.mailbox(), shard, ref, call);
    return false;
  }
  Reply inner(inner_body_);
  if (!player_.handle(call, {self, ref}, inner)) return false;
  node_forwarded_[ref.index].waiting = false;
  const ForwardReply wrapped = forward_reply(m.ref, inner);
  wrapped.encode(reply.body().prepare(wrapped.encoded_size()));
  reply.body().commit(wrapped.encoded_size());
  reply.set_content_type(kWireContentType);
  return true;
}

void Api::complete(ConnRef ref, const Reply& reply) {
  if (ref.index < node_forwarded_.size()) {
    NodeForwarded& f = node_forwarded_[ref.index];
    if (f.waiting && f.generation == ref.generation) {
      f.waiting = false;
      Reply outer(wrap_body_);
      outer.set_route(kRouteNodeForward);
      outer.set_content_type(kWireContentType);
      const ForwardReply wrapped = forward_reply(f.origin, reply);
      wrapped.encode(outer.body().prepare(wrapped.encoded_size()));
      outer.body().commit(wrapped.encoded_size());
      http_->complete(ref, outer);
      return;
    }
  }
  http_->complete(ref, reply);
}

// ---- the routes, from the I/O core -------------------------------------------------------

bool Api::on_peer_node(const PeerNode& m) { return routes_.apply(m); }

bool Api::on_partition_routes(const PartitionRoutes& m) { return routes_.apply(m); }

}  // namespace ringside

#pragma once
// The request handler of one shard: routes a request, answers operations from any shard,
// and sends player requests to the shard that owns the player — itself, by a direct call, or
// another, by message — answering when the reply comes back. When another node serves the
// player's partition, the request goes there instead (api_cluster.cc, docs/cluster.md), and
// requests other nodes forward here arrive on POST /_ringside/forward.
#include <string>
#include <vector>

#include "api/body_fields.h"
#include "api/player_api.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "http/peer_pool.h"
#include "http/router.h"
#include "model/messages.h"
#include "model/node_routes.h"
#include "model/runtime.h"

namespace ringside {

// The token of an `Authorization: Bearer <token>` header, or an empty view.
std::string_view bearer_token(std::string_view authorization);

class Api : public RequestHandler {
 public:
  Api(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics);
  void attach(HttpServer* http) { http_ = http; }
  void set_draining() { draining_ = true; }
  PlayerApi& players() { return player_; }

  bool handle(const Request& request, ConnRef ref, Reply& reply) override;
  // A forward with the cluster key may carry a whole player request (kMaxForwardBodyBytes).
  size_t body_limit(std::string_view target, std::string_view authorization) override;

 private:
  bool handle_readyz(ConnRef ref, Reply& reply);
  void handle_metrics(Reply& reply);
  // The operator key: true, or false after answering 401 (missing) or 403 (wrong).
  bool operator_authorized(const Request& request, Reply& reply);
  // /operator/servers and a server's cordon, uncordon, drain (operator key checked): the
  // name resolved (404) and the drain's body read (400) here, the rest sent to the I/O core.
  bool handle_fleet_command(uint16_t route, std::string_view name, std::string_view body,
                            ConnRef ref, Reply& reply);
  // Which shard of this node holds the player of this call: the one for the partition its token
  // (or an operator launch's player) names; -1 after answering the request here. Reads an
  // operator launch's body into `call` (the owner does not read it again). `partition` is set
  // to the player's partition, or -1 when the request is answered on this node whatever the
  // routes say (an operator launch whose body was refused).
  int owner_of(const Request& request, PlayerCall& call, Reply& reply, int* partition);
  // The partition a bearer token names; a legacy token's from Runtime::legacy_tokens.
  std::optional<uint16_t> partition_of_token(std::string_view token) const;
  static void respond(void* ctx, ReplyTarget target, Reply& reply);
  // Answers a request taken for later: as it is, or wrapped for the node that forwarded it.
  void complete(ConnRef ref, const Reply& reply);

  // Between nodes (api_cluster.cc).
  bool forward_to_node(uint16_t partition, ConnRef ref, const PlayerCall& call, Reply& reply);
  // GET /operator/sessions in a cluster: asks every other serving node for its part
  // (OperatorSessions::AskNodes); the answers come back through on_peer_answer.
  static uint32_t ask_nodes_for_listing(void* ctx, uint64_t id, std::string_view query,
                                        bool* unserved);
  static void on_peer_answer(void* ctx, uint64_t cookie, PeerConnection::Outcome outcome,
                             uint16_t status, std::string_view body);
  bool handle_node_forward(const Request& request, ConnRef ref, Reply& reply);
  bool is_cluster_key(std::string_view key) const;
  bool on_peer_node(const PeerNode& m);
  bool on_partition_routes(const PartitionRoutes& m);

  // Messages (registered on the mailbox at construction).
  void on_forward_request(uint32_t from, const ForwardRequest& m);
  void on_forward_reply(const ForwardReply& m);
  void on_ready_reply(const ReadyReply& m);

  const Runtime& runtime_;
  PlayerMetrics& metrics_;  // this shard's
  Reactor& reactor_;
  HttpServer* http_ = nullptr;
  Router router_;
  PlayerApi player_;
  BodyParser body_parser_;  // reads operator launches' bodies, to find the owner
  // The last operator launch read here or forwarded here (views into body_parser_ or the
  // message); a member, so that no request pays for constructing one.
  OperatorLaunchBody launch_body_;
  ByteBuffer reply_body_;  // bodies of replies completed from messages
  bool draining_ = false;

  // Cluster: where partitions are served, this shard's connections to the other nodes, and the
  // key nodes show each other.
  NodeRoutes routes_;
  const std::string cluster_key_;
  PeerPool peers_;
  // Requests another node forwarded here that await their answer, by connection slot: the
  // answer goes back wrapped as a ForwardReply naming the origin's connection.
  struct NodeForwarded {
    uint32_t generation = 0;
    bool waiting = false;
    ConnRef origin;
  };
  std::vector<NodeForwarded> node_forwarded_;
  ByteBuffer inner_body_;  // a forwarded request's answer before it is wrapped
  ByteBuffer wrap_body_;   // the wrapped answer
};

}  // namespace ringside

#pragma once
// The request handler of one shard: routes a request, answers operations from any shard,
// and sends player requests to the shard that owns the player — itself, by a direct call, or
// another, by message — answering when the reply comes back.
#include "api/body_fields.h"
#include "api/player_api.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "http/router.h"
#include "model/messages.h"
#include "model/runtime.h"

namespace ringside {

class Api : public RequestHandler {
 public:
  Api(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics);
  void attach(HttpServer* http) { http_ = http; }
  void set_draining() { draining_ = true; }
  PlayerApi& players() { return player_; }

  bool handle(const Request& request, ConnRef ref, Reply& reply) override;

 private:
  bool handle_readyz(ConnRef ref, Reply& reply);
  void handle_metrics(Reply& reply);
  // The operator key: true, or false after answering 401 (missing) or 403 (wrong).
  bool operator_authorized(const Request& request, Reply& reply);
  // Which shard owns the player of this call; -1 after answering the request here. Reads an
  // operator launch's body into `call` (the owner does not read it again).
  int owner_of(const Request& request, PlayerCall& call, Reply& reply);
  static void respond(void* ctx, ReplyTarget target, Reply& reply);

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
};

}  // namespace ringside

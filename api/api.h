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
  // Messages for the API (forwarded requests and replies, I/O core replies and updates);
  // returns false for kinds it does not own.
  bool on_message(uint32_t from, uint16_t kind, const void* payload, uint32_t len);

 private:
  bool handle_readyz(ConnRef ref, Reply& reply);
  void handle_metrics(Reply& reply);
  // Which shard owns the player of this call; -1 after answering the request here.
  int owner_of(const Request& request, const PlayerCall& call, Reply& reply);
  static void respond(void* ctx, ReplyTarget target, Reply& reply);

  const Runtime& runtime_;
  PlayerMetrics& metrics_;  // this shard's
  Reactor& reactor_;
  HttpServer* http_ = nullptr;
  Router router_;
  PlayerApi player_;
  BodyParser body_parser_;  // reads the playerId of operator launches, to find the owner
  ByteBuffer reply_body_;   // bodies of replies completed from messages
  bool draining_ = false;
};

}  // namespace ringside

#pragma once
// The request handler of one shard: routes a request, answers what this shard can answer
// from its own memory, and sends the rest as messages (to the I/O core, or to the shard that
// owns the player), answering when the reply message comes back.
#include "app/messages.h"
#include "app/runtime.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "http/router.h"

namespace ringside {

class Api : public RequestHandler {
 public:
  Api(Runtime& runtime, Reactor& reactor);
  void attach(HttpServer* http) { http_ = http; }
  void set_draining() { draining_ = true; }

  bool handle(const Request& request, ConnRef ref, Reply& reply) override;
  // Messages for the API (replies to what it sent); returns false for kinds it does not own.
  bool on_message(uint32_t from, uint16_t kind, const void* payload, uint32_t len);

 private:
  bool handle_readyz(ConnRef ref, Reply& reply);
  void handle_metrics(Reply& reply);

  Runtime& runtime_;
  Reactor& reactor_;
  HttpServer* http_ = nullptr;
  Router router_;
  ByteBuffer reply_body_;  // bodies of replies completed from messages
  bool draining_ = false;
};

}  // namespace ringside

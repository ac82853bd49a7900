#include "api/api.h"

#include <cstring>

#include "api/metrics_text.h"
#include "api/routes.h"
#include "http/json_writer.h"

namespace ringside {

Api::Api(Runtime& runtime, Reactor& reactor) : runtime_(runtime), reactor_(reactor) {
  for (const RouteSpec& r : kRoutes) router_.add(r.method, r.pattern, r.id);
}

bool Api::handle(const Request& request, ConnRef ref, Reply& reply) {
  RouteMatch m = router_.match(request.method, request.path);
  if (m.kind == RouteMatch::Kind::kNotFound) {
    reply.error(404, "not_found", "No such path.");
    return true;
  }
  if (m.kind == RouteMatch::Kind::kMethodNotAllowed) {
    reply.error(405, "method_not_allowed", "This path does not accept that method.");
    reply.add_header("Allow", m.allow);
    return true;
  }
  reply.set_route(m.route_id);
  switch (m.route_id) {
    case kRouteHealthz:
      reply.body().append(std::string_view(R"({"status":"ok"})"));
      return true;
    case kRouteReadyz:
      return handle_readyz(ref, reply);
    case kRouteMetrics:
      handle_metrics(reply);
      return true;
    default:
      reply.error(404, "not_found", "No such path.");
      return true;
  }
}

bool Api::handle_readyz(ConnRef ref, Reply& reply) {
  if (draining_) {
    reply.error(503, "unavailable", "The server is draining.");
    reply.add_header("Retry-After", "1");
    return true;
  }
  // Readiness is the I/O core's to tell (store, backends); asking it also proves the
  // shard -> I/O core -> shard path works.
  reactor_.mailbox().send(runtime_.io_thread(), kMsgReadyQuery, ReadyQuery{ref});
  return false;
}

void Api::handle_metrics(Reply& reply) {
  reply.set_content_type("text/plain; version=0.0.4");
  render_metrics(runtime_, reply.body());
}

bool Api::on_message(uint32_t, uint16_t kind, const void* payload, uint32_t) {
  if (kind != kMsgReadyReply) return false;
  ReadyReply r;
  std::memcpy(&r, payload, sizeof r);
  Reply reply(reply_body_);
  reply.set_route(kRouteReadyz);
  JsonWriter w(reply.body());
  if (r.ready) {
    w.begin_object().key("ready").value(true).end_object();
  } else {
    reply.set_status(503);
    w.begin_object()
        .key("error")
        .value("unavailable")
        .key("message")
        .value(std::string_view(r.reason, strnlen(r.reason, sizeof r.reason)))
        .key("ready")
        .value(false)
        .end_object();
    reply.add_header("Retry-After", "1");
  }
  http_->complete(r.ref, reply);
  return true;
}

}  // namespace ringside

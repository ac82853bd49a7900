#include "api/forward.h"

#include <cstring>

#include "model/messages.h"

namespace ringside {
namespace {

struct ForwardHeader {
  ConnRef ref;
  uint16_t route;
  uint16_t token_len;
  uint16_t param_len;
  uint16_t query_len;
  uint32_t body_len;
};

struct ForwardReplyHeader {
  ConnRef ref;
  uint16_t status;
  uint16_t route;
  uint16_t headers_len;
  uint8_t content_type;  // 0 JSON, 1 Prometheus text
  uint8_t close;
  uint32_t body_len;
};

constexpr std::string_view kTextContentType = "text/plain; version=0.0.4";

char* put(char* p, std::string_view s) {
  if (s.empty()) return p;  // an empty view's data() may be null, which memcpy may not take
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

}  // namespace

void send_forward(Mailbox& mailbox, uint32_t to, ConnRef ref, const PlayerCall& call) {
  ForwardHeader h{ref,
                  call.route,
                  static_cast<uint16_t>(call.token.size()),
                  static_cast<uint16_t>(call.param.size()),
                  static_cast<uint16_t>(call.query.size()),
                  static_cast<uint32_t>(call.body.size())};
  const uint32_t len = static_cast<uint32_t>(sizeof h + call.token.size() + call.param.size() +
                                             call.query.size() + call.body.size());
  char* p = static_cast<char*>(mailbox.begin(to, kMsgForwardRequest, len));
  std::memcpy(p, &h, sizeof h);
  p = put(p + sizeof h, call.token);
  p = put(p, call.param);
  p = put(p, call.query);
  put(p, call.body);
  mailbox.commit();
}

PlayerCall read_forward(const void* payload, uint32_t, ConnRef* ref) {
  ForwardHeader h;
  std::memcpy(&h, payload, sizeof h);
  const char* p = static_cast<const char*>(payload) + sizeof h;
  PlayerCall call;
  call.route = h.route;
  call.token = {p, h.token_len};
  p += h.token_len;
  call.param = {p, h.param_len};
  p += h.param_len;
  call.query = {p, h.query_len};
  p += h.query_len;
  call.body = {p, h.body_len};
  *ref = h.ref;
  return call;
}

void send_forward_reply(Mailbox& mailbox, uint32_t to, ConnRef ref, const Reply& reply) {
  std::string_view headers = reply.extra_headers();
  std::string_view body = reply.body_view();
  ForwardReplyHeader h{ref,
                       reply.status(),
                       reply.route(),
                       static_cast<uint16_t>(headers.size()),
                       static_cast<uint8_t>(reply.content_type() == kJsonContentType ? 0 : 1),
                       static_cast<uint8_t>(reply.close_connection()),
                       static_cast<uint32_t>(body.size())};
  const uint32_t len = static_cast<uint32_t>(sizeof h + headers.size() + body.size());
  char* p = static_cast<char*>(mailbox.begin(to, kMsgForwardReply, len));
  std::memcpy(p, &h, sizeof h);
  p = put(p + sizeof h, headers);
  put(p, body);
  mailbox.commit();
}

void read_forward_reply(const void* payload, uint32_t, ConnRef* ref, Reply& reply) {
  ForwardReplyHeader h;
  std::memcpy(&h, payload, sizeof h);
  const char* p = static_cast<const char*>(payload) + sizeof h;
  *ref = h.ref;
  reply.set_status(h.status);
  reply.set_route(h.route);
  reply.set_content_type(h.content_type == 0 ? kJsonContentType : kTextContentType);
  if (h.close) reply.set_close_connection();
  reply.add_rendered_headers({p, h.headers_len});
  p += h.headers_len;
  reply.body().append(p, h.body_len);
}

}  // namespace ringside

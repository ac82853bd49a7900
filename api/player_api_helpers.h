#pragma once
// Small helpers the player API's files share.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "http/reply.h"
#include "model/reply_target.h"

namespace ringside {

// Sends an answer that leaves after its request was handled (a stop's, one held for a commit)
// to where the request came from: Api::respond, which completes it on this shard's connection
// or sends it back to the shard that forwarded it.
struct Responder {
  void (*send)(void* ctx, ReplyTarget target, Reply& reply);
  void* ctx;
  void operator()(ReplyTarget target, Reply& reply) const { send(ctx, target, reply); }
};

// A configured duration in seconds, as milliseconds.
inline int64_t seconds(double s) { return static_cast<int64_t>(std::llround(s * 1000)); }

inline void retry_after(Reply& reply, uint32_t secs) {
  char num[12];
  auto r = std::to_chars(num, num + sizeof num, secs);
  reply.add_header("Retry-After", std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

// 503 unavailable: the database cannot take writes now.
inline void unavailable(Reply& reply) {
  reply.error(503, "unavailable", "The database cannot take writes now; retry shortly.");
  retry_after(reply, 2);
}

// 503: this node does not answer for the player's partition now — it is being handed over or
// loaded, or the node's lease ran out (docs/cluster.md, "A partition on its shard").
inline void not_served(Reply& reply) {
  reply.error(503, "unavailable", "This player's data is moving between nodes; retry shortly.");
  retry_after(reply, 1);
}

inline void bad_request(Reply& reply, std::string_view message) {
  reply.error(400, "invalid_request", message);
}

inline void not_found(Reply& reply, std::string_view what) { reply.error(404, "not_found", what); }

}  // namespace ringside

#pragma once
// Stop requests waiting for their session's end, by session id: answered with its figures once
// the I/O core reports the end (with --database-url, once the end commits), or 503 when the
// end's write is refused or delayed. Both the session events and the held answers answer them,
// so they are a class of their own below both. Kept here rather than in GameSession, where the
// vector cost 24 bytes in every session.
#include <unordered_map>
#include <vector>

#include "api/player_api_helpers.h"
#include "core/byte_buffer.h"
#include "model/ids.h"
#include "model/reply_target.h"
#include "store/session_store.h"

namespace ringside {

class StopWaiters {
 public:
  explicit StopWaiters(Responder respond) : respond_(respond) {}

  void add(const Id128& session, ReplyTarget target) { waiters_[session].push_back(target); }
  // Answers the session's waiting stop requests with its result.
  void answer(const GameSession& s);
  // Answers the session's waiting stop requests 503: `fill` says why (by default the database
  // cannot take writes).
  void refuse(const Id128& session, void (*fill)(Reply&) = &unavailable);

 private:
  // Takes the session's waiters and answers each with what `fill` puts in its reply.
  template <class Fill>
  void answer_each(const Id128& session, Fill&& fill);

  Responder respond_;
  ByteBuffer body_;  // the bodies of the answers
  std::unordered_map<Id128, std::vector<ReplyTarget>, Id128Hasher> waiters_;
};

}  // namespace ringside

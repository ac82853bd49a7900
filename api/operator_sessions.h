#pragma once
// GET /operator/sessions (docs/operator-api.md, "Sessions"): the operator's listing of every
// player's sessions, active and ended, newest first by launch.
//
// Shards share nothing, so the shard the request reached (the origin) checks the filters and
// asks every shard of the node by message — only the player's own shard with a playerId — and
// each answers with its part: its sessions that match, newest first, at most `limit` of them,
// already rendered (OperatorSessionsQuery / OperatorSessionsPart, model/messages.h). The origin
// merges the parts (newest first, `limit`) and answers. The work a listing costs is bounded:
// each shard renders at most `limit` sessions, and the origin holds at most shards x limit.
// A shard finds its matches by a scan of the sessions it keeps (or the one player's), which
// listings, being rare, can afford; the status poll pays nothing for it.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "api/partition_table.h"
#include "api/player_api_helpers.h"
#include "api/session_render.h"
#include "core/reactor.h"
#include "http/reply.h"
#include "model/messages.h"
#include "model/runtime.h"
#include "store/session_store.h"

namespace ringside {

class OperatorSessions {
 public:
  OperatorSessions(const Runtime& runtime, Reactor& reactor, SessionStore& sessions,
                   const SessionRenderContext& render, const PartitionTable& partitions,
                   Responder respond);

  // The origin's side: true when `reply` holds the answer (a refused filter, or one that
  // matches nothing anywhere); false when it goes to `target` once every part is in.
  bool list(std::string_view query, ReplyTarget target, Reply& reply);

 private:
  // Reads and checks the query's filters into `f` (player id copied into player_id_); the
  // sentence of the 400, or empty. `none` is set when a valid name matches no game or server.
  std::string_view read_filter(std::string_view query, OperatorSessionsFilter* f, bool* none);
  // Renders this shard's part of a listing into `out` (records of OperatorSessionsPart).
  uint32_t collect(const OperatorSessionsFilter& f, std::string& out);
  bool matches(const GameSession& s, const OperatorSessionsFilter& f);
  void add_part(uint64_t query, uint32_t count, std::string_view items);

  bool on_query(uint32_t from, const OperatorSessionsQuery& m);
  bool on_part(uint32_t from, const OperatorSessionsPart& m);

  const Runtime& runtime_;
  Reactor& reactor_;
  SessionStore& sessions_;
  const SessionRenderContext& render_;
  const PartitionTable& partitions_;
  Responder respond_;

  // A listing this shard is answering: the parts still awaited and the records received.
  struct Pending {
    uint64_t query = 0;
    ReplyTarget target;
    uint32_t waiting = 0;
    uint16_t limit = 0;
    std::string items;  // records, as the parts carried them
  };
  // Merges a listing's parts into its answer: newest first, at most its limit.
  void finish(const Pending& p, Reply& reply);
  std::vector<Pending> pending_;
  uint64_t next_query_ = 1;

  ByteBuffer query_scratch_;
  ByteBuffer json_scratch_;
  ByteBuffer url_scratch_;
  ByteBuffer body_;
  std::string player_id_;
  std::string part_;
  std::vector<std::pair<int64_t, GameSession*>> candidates_;
};

}  // namespace ringside

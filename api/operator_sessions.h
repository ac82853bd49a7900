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
//
// With --database-url the ended sessions are the database's: the origin sends the same query
// to the I/O core (app/ended_sessions.h), which reads them from PostgreSQL and answers a part
// like a shard's, and the shards give their active sessions only (a listing of stopped or
// error sessions asks no shard). A part marked `partial` (the database could not be read)
// makes the answer say `"partial": true`.
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
#include "model/node_routes.h"
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

  // In a cluster (docs/operator-api.md, "In a cluster"): the origin asks every other node that
  // serves partitions for its part. `ask` sends listing `id` with the request's query string to
  // each and returns how many it asked (0 for none), setting *unserved when some partition has
  // no node serving it now; each answer comes back through on_node_part.
  using AskNodes = uint32_t (*)(void* ctx, uint64_t id, std::string_view query, bool* unserved);
  // `routes` (this shard's, read on its thread) also marks this shard's part partial while a
  // partition this node is routed for is not served by the shard (being handed over).
  void set_node_fan_out(AskNodes ask, void* ctx, const NodeRoutes* routes) {
    ask_nodes_ = ask;
    ask_ctx_ = ctx;
    routes_ = routes;
  }
  // A node's answer to listing `id`: the body of its part (an encoded OperatorSessionsPart), or
  // `answered` false when it did not answer in time or could not (the listing is then partial).
  void on_node_part(uint64_t id, bool answered, std::string_view part);
  // The other side: another node asks this one for its part (POST /_ringside/forward). Its
  // active sessions that match, from every shard of this node (no database read, no other
  // node asked); the answer's body is the encoded OperatorSessionsPart. As list() returns.
  bool node_part(std::string_view query, ReplyTarget target, Reply& reply);

 private:
  // Reads and checks the query's filters into `f` (player id copied into player_id_); the
  // sentence of the 400, or empty. `none` is set when a valid slug matches no game; a server
  // name not in the fleet is f->server == the fleet's size (f->server_name copied either way).
  std::string_view read_filter(std::string_view query, OperatorSessionsFilter* f, bool* none);
  // Renders this shard's part of a listing into `out` (records of OperatorSessionsPart).
  uint32_t collect(const OperatorSessionsFilter& f, std::string& out);
  bool matches(const GameSession& s, const OperatorSessionsFilter& f);
  // In a cluster: some partition of this shard that the routes say this node serves (the
  // player's alone with a playerId) is not served by the shard now — releasing, settling or
  // loading in a hand-over — so its active sessions are missing from this shard's part.
  bool handing_over(const OperatorSessionsFilter& f) const;
  void add_part(uint64_t query, std::string_view items, bool partial);

  bool start(std::string_view query, ReplyTarget target, Reply& reply, bool for_node);
  bool on_query(uint32_t from, const OperatorSessionsQuery& m);
  bool on_part(uint32_t from, const OperatorSessionsPart& m);

  const Runtime& runtime_;
  Reactor& reactor_;
  SessionStore& sessions_;
  const SessionRenderContext& render_;
  const PartitionTable& partitions_;
  Responder respond_;
  // With --database-url: ended sessions are the I/O core's to list (app/ended_sessions.h),
  // this shard lists its active ones.
  const bool durable_;
  AskNodes ask_nodes_ = nullptr;
  void* ask_ctx_ = nullptr;
  const NodeRoutes* routes_ = nullptr;

  // A listing this shard is answering: the parts still awaited and the records received.
  struct Pending {
    uint64_t query = 0;
    ReplyTarget target;
    uint32_t waiting = 0;
    uint16_t limit = 0;
    bool partial = false;   // a part said a source could not be read
    bool for_node = false;  // answered in the wire form, to the node that asked
    std::string items;      // records, as the parts carried them
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
  std::string server_name_;
  std::string part_;
  std::string wire_;  // a node's part, before it is encoded
  std::vector<std::pair<int64_t, GameSession*>> candidates_;
};

}  // namespace ringside

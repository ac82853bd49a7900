#include "api/operator_sessions.h"

#include <algorithm>
#include <charconv>

#include "api/operator_render.h"
#include "api/routes.h"
#include "core/json_writer.h"
#include "http/query.h"
#include "model/identifiers.h"
#include "model/partition.h"

namespace ringside {
namespace {

constexpr std::string_view kBadLimit = "Query parameter 'limit' must be an integer from 1 to 1000.";
constexpr std::string_view kBadStatus =
    "Query parameter 'status' must be one of starting, running, stopping, stopped, error.";
constexpr std::string_view kBadPlayerId =
    "Query parameter 'playerId' must be 1 to 256 bytes of printable UTF-8.";
constexpr std::string_view kBadServer =
    "Query parameter 'server' must be a server name of 1 to 64 printable characters.";

}  // namespace

OperatorSessions::OperatorSessions(const Runtime& runtime, Reactor& reactor, SessionStore& sessions,
                                   const SessionRenderContext& render,
                                   const PartitionTable& partitions, Responder respond)
    : runtime_(runtime),
      reactor_(reactor),
      sessions_(sessions),
      render_(render),
      partitions_(partitions),
      respond_(respond),
      durable_(!runtime.config.database_url.empty()) {
  Mailbox& mailbox = reactor.mailbox();
  mailbox.set_handler<&OperatorSessions::on_query>(this);
  mailbox.set_handler<&OperatorSessions::on_part>(this);
}

// ---- the origin --------------------------------------------------------------------------

std::string_view OperatorSessions::read_filter(std::string_view query, OperatorSessionsFilter* f,
                                               bool* none) {
  *none = false;
  if (std::optional<QueryValue> q = find_query_param(query, "limit", query_scratch_)) {
    uint32_t limit = 0;
    const std::string_view v = q->value;
    auto r = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (!q->ok || v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || limit < 1 ||
        limit > OperatorSessionsFilter::kMaxLimit) {
      return kBadLimit;
    }
    f->limit = static_cast<uint16_t>(limit);
  }
  if (std::optional<QueryValue> q = find_query_param(query, "status", query_scratch_)) {
    f->status = OperatorSessionsFilter::kAnyStatus;
    for (size_t i = 0; i < kSessionStatusCount; ++i) {
      if (q->ok && q->value == status_name(static_cast<SessionStatus>(i))) {
        f->status = static_cast<uint8_t>(i);
      }
    }
    if (f->status == OperatorSessionsFilter::kAnyStatus) return kBadStatus;
  }
  if (std::optional<QueryValue> q = find_query_param(query, "gameSlug", query_scratch_)) {
    if (!q->ok || !is_valid_slug(q->value)) return kBadGameSlugQuery;
    // A game a reload removed included: its sessions run on (docs/configuration.md).
    const int g = runtime_.catalog.find_any(q->value);
    if (g < 0) *none = true;  // a game this catalog never had: no session of it here
    f->has_game = true;
    f->game = static_cast<uint16_t>(g < 0 ? 0 : g);
  }
  if (std::optional<QueryValue> q = find_query_param(query, "server", query_scratch_)) {
    if (!q->ok || q->value.empty() || q->value.size() > 64 || !is_printable_utf8(q->value)) {
      return kBadServer;
    }
    f->has_server = true;
    // Not in this fleet: runtime_.servers.size() (start() decides who may still have some).
    f->server = static_cast<uint32_t>(runtime_.servers.size());
    for (uint32_t i = 0; i < runtime_.servers.size(); ++i) {
      if (runtime_.servers[i].name == q->value) f->server = i;
    }
    server_name_.assign(q->value);
    f->server_name = server_name_;
  }
  // Last: the player id is copied out of the scratch buffer the others reuse.
  if (std::optional<QueryValue> q = find_query_param(query, "playerId", query_scratch_)) {
    if (!q->ok || !is_valid_player_id(q->value)) return kBadPlayerId;
    player_id_.assign(q->value);
    f->has_player = true;
    f->player_id = player_id_;
  }
  return {};
}

bool OperatorSessions::list(std::string_view query, ReplyTarget target, Reply& reply) {
  return start(query, target, reply, false);
}

bool OperatorSessions::node_part(std::string_view query, ReplyTarget target, Reply& reply) {
  return start(query, target, reply, true);
}

bool OperatorSessions::start(std::string_view query, ReplyTarget target, Reply& reply,
                             bool for_node) {
  reply.set_route(kRouteOperatorSessions);
  OperatorSessionsFilter f;
  bool none = false;
  if (std::string_view err = read_filter(query, &f, &none); !err.empty()) {
    bad_request(reply, err);
    return true;
  }
  // A server not in this node's fleet has no active session here; the database's rows and
  // other nodes (their fleets may differ; the raw query goes to them) may still have some.
  const bool server_unknown = f.has_server && f.server >= runtime_.servers.size();
  if (none || (server_unknown && (for_node || (!durable_ && !ask_nodes_)))) {
    Pending p;
    p.for_node = for_node;
    finish(p, reply);
    return true;
  }
  const uint32_t self = reactor_.self();
  const uint32_t shards = runtime_.shard_count();
  // With a database, ended sessions come from it (the I/O core reads them) and the shards
  // give their active ones: a listing of ended sessions asks no shard.
  const bool ended = f.status == static_cast<uint8_t>(SessionStatus::kStopped) ||
                     f.status == static_cast<uint8_t>(SessionStatus::kError);
  const bool asks_database =
      !for_node && durable_ && (ended || f.status == OperatorSessionsFilter::kAnyStatus);
  // Other nodes have active sessions only to give (their ended ones are in the database).
  const bool asks_nodes = !for_node && ask_nodes_ && !(durable_ && ended);
  // A player's sessions are all on the shard of the player's partition.
  uint32_t first = 0, end = shards;
  if (f.has_player) {
    first = shard_of_partition(partition_of_player(f.player_id), shards);
    end = first + 1;
  }
  if (server_unknown || (durable_ && ended)) end = first;
  const bool asks_self = self >= first && self < end;
  if (asks_self && end - first == 1 && !asks_database && !asks_nodes) {  // answered now
    Pending p;
    p.limit = f.limit;
    p.for_node = for_node;
    p.partial = handing_over(f);
    collect(f, p.items);
    finish(p, reply);
    return true;
  }
  const uint64_t id = next_query_++;
  uint32_t nodes = 0;
  bool unserved = false;
  if (asks_nodes) nodes = ask_nodes_(ask_ctx_, id, query, &unserved);
  Pending& p = pending_.emplace_back();
  p.query = id;
  p.target = target;
  p.waiting = end - first + (asks_database ? 1 : 0) + nodes;
  p.limit = f.limit;
  p.for_node = for_node;
  p.partial = unserved;  // partitions nobody serves now: their active sessions are unknown
  if (p.waiting == 0) {  // nobody to ask: a node's part of ended sessions only
    finish(p, reply);
    pending_.pop_back();
    return true;
  }
  for (uint32_t s = first; s < end; ++s) {
    if (s != self) reactor_.mailbox().send(s, OperatorSessionsQuery{id, f});
  }
  if (asks_database) reactor_.mailbox().send(runtime_.io_thread(), OperatorSessionsQuery{id, f});
  if (asks_self) {
    part_.clear();
    collect(f, part_);
    add_part(id, part_, handing_over(f));  // others are still to answer
  }
  return false;
}

bool OperatorSessions::on_part(uint32_t from, const OperatorSessionsPart& m) {
  // From a shard, or the I/O core's ended sessions (with a database).
  if (from >= runtime_.shard_count() && !(durable_ && from == runtime_.io_thread())) return false;
  add_part(m.query, m.items, m.partial);
  return true;
}

void OperatorSessions::add_part(uint64_t query, std::string_view items, bool partial) {
  for (size_t i = 0; i < pending_.size(); ++i) {
    Pending& p = pending_[i];
    if (p.query != query) continue;
    p.items.append(items);
    p.partial = p.partial || partial;
    if (--p.waiting == 0) {
      Reply reply(body_);
      finish(p, reply);
      respond_(p.target, reply);
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    }
    return;
  }
}

void OperatorSessions::on_node_part(uint64_t id, bool answered, std::string_view part) {
  OperatorSessionsPart m;
  if (answered && OperatorSessionsPart::decode(part, &m)) {
    add_part(id, m.items, m.partial);
  } else {
    add_part(id, {}, true);
  }
}

void OperatorSessions::finish(const Pending& p, Reply& reply) {
  std::vector<std::pair<int64_t, std::string_view>> entries;
  std::string_view rest = p.items;
  OperatorSessionsPart::Item item;
  while (OperatorSessionsPart::next(rest, &item)) entries.emplace_back(item.started_ms, item.json);
  // Newest first; a tie keeps the order the parts came in.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (entries.size() > p.limit) entries.resize(p.limit);
  reply.set_route(kRouteOperatorSessions);
  ByteBuffer& out = reply.body();
  if (p.for_node) {  // the records as they are, for the node that asked
    wire_.clear();
    for (const auto& [started_ms, json] : entries) {
      OperatorSessionsPart::append_item(wire_, started_ms, json);
    }
    OperatorSessionsPart m;
    m.count = static_cast<uint32_t>(entries.size());
    m.partial = p.partial;
    m.items = wire_;
    m.encode(out.prepare(m.encoded_size()));
    out.commit(m.encoded_size());
    return;
  }
  out.append(std::string_view(R"({"sessions":[)"));
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out.push_back(',');
    out.append(entries[i].second);
  }
  out.append(std::string_view("]"));
  // A source that could not be read (docs/operator-api.md): sessions may be missing.
  if (p.partial) out.append(std::string_view(R"(,"partial":true)"));
  out.push_back('}');
}

// ---- every shard: its part ---------------------------------------------------------------

bool OperatorSessions::on_query(uint32_t from, const OperatorSessionsQuery& m) {
  if (from >= runtime_.shard_count()) return false;
  if (m.filter.has_game && m.filter.game >= runtime_.catalog.games().size()) return false;
  if (m.filter.has_server && m.filter.server >= runtime_.servers.size()) return false;
  part_.clear();
  OperatorSessionsPart reply;
  reply.query = m.query;
  reply.count = collect(m.filter, part_);
  reply.partial = handing_over(m.filter);
  reply.items = part_;
  reactor_.mailbox().send(from, reply);
  return true;
}

bool OperatorSessions::matches(const GameSession& s, const OperatorSessionsFilter& f) {
  if (durable_ && !s.active()) return false;  // the database lists the ended ones
  if (f.status != OperatorSessionsFilter::kAnyStatus &&
      static_cast<uint8_t>(s.status) != f.status) {
    return false;
  }
  if (f.has_game && s.game != f.game) return false;
  if (f.has_server && (!s.placed || s.server != f.server)) return false;
  // Only what this node answers for now (a partition being handed over is not).
  return partitions_.route(sessions_.player(s.player).partition, reactor_.now_ms()) ==
         PartitionRoute::kServe;
}

bool OperatorSessions::handing_over(const OperatorSessionsFilter& f) const {
  if (!routes_) return false;  // one node: every partition is served, always
  const uint64_t now = reactor_.now_ms();
  auto unserved = [&](uint16_t p) {
    return partitions_.mine(p) && routes_->served_here(p) &&
           partitions_.route(p, now) != PartitionRoute::kServe;
  };
  if (f.has_player) return unserved(partition_of_player(f.player_id));
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    if (unserved(p)) return true;
  }
  return false;
}

uint32_t OperatorSessions::collect(const OperatorSessionsFilter& f, std::string& out) {
  candidates_.clear();
  auto consider = [&](GameSession& s) {
    if (matches(s, f)) candidates_.emplace_back(s.started_ms, &s);
  };
  if (f.has_player) {
    const uint32_t player = sessions_.find_player(f.player_id);
    if (player != SessionStore::kNoPlayer) {
      Player& p = sessions_.player(player);
      if (p.active != kNoSession) consider(sessions_.session(p.active));
      for (uint32_t index : p.history) consider(sessions_.session(index));
    }
  } else {
    sessions_.for_each_session(consider);
  }
  const size_t n = std::min<size_t>(candidates_.size(), f.limit);
  std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(n),
                    candidates_.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  const int64_t now = reactor_.clock().unix_ms;
  for (size_t i = 0; i < n; ++i) {
    const GameSession& s = *candidates_[i].second;
    json_scratch_.clear();
    JsonWriter w(json_scratch_);
    w.begin_object();
    render_operator_fields(w, s, sessions_.player(s.player).id, render_, url_scratch_,
                           sessions_.idle_deadline_ms(s), now);
    w.end_object();
    OperatorSessionsPart::append_item(out, s.started_ms, json_scratch_.view());
  }
  return static_cast<uint32_t>(n);
}

}  // namespace ringside

#include "app/ended_sessions.h"

#include <cmath>
#include <cstdlib>
#include <memory>

#include "api/operator_render.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "model/ids.h"
#include "model/session_types.h"

namespace ringside {
namespace {

#define RS_MS(col) "(extract(epoch from " col ") * 1000)::bigint"
// The columns answer() reads, in this order.
constexpr const char* kColumns =
    "SELECT id, player_id, game_slug, save_slot_id, status, server, " RS_MS("started_at") ", "
    RS_MS("last_keepalive_at") ", " RS_MS("ended_at") ", end_reason, error_code, cpu_seconds,"
    " peak_memory_mb, " RS_MS("running_at") " FROM sessions WHERE ended_at IS NOT NULL";
#undef RS_MS

int64_t integer(const PgResult& r, int row, int col) {
  return std::strtoll(std::string(r.text(row, col)).c_str(), nullptr, 10);
}

double number_or_nan(const PgResult& r, int row, int col) {
  return r.is_null(row, col) ? std::nan("")
                             : std::strtod(std::string(r.text(row, col)).c_str(), nullptr);
}

template <typename Enum, typename NameOf>
Enum enum_named(std::string_view name, Enum last, NameOf name_of, Enum fallback) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    if (name_of(static_cast<Enum>(i)) == name) return static_cast<Enum>(i);
  }
  return fallback;
}

// The session of row `i` as the shards keep one read back at start (store/durable/
// state_loader.cc); false for a row that cannot be shown (a bad id, a game this catalog never
// had), which is skipped as the start-up load skips it.
bool session_of(const PgResult& r, int i, const Runtime& runtime, GameSession* s) {
  std::optional<ParsedId> id = parse_id(r.text(i, 0), IdKind::kSession);
  const int game = runtime.catalog.find_any(r.text(i, 2));
  if (!id || game < 0) return false;
  s->id = id->bits;
  s->owner = id->owner;
  s->game = static_cast<uint16_t>(game);
  if (!r.is_null(i, 3)) {
    if (std::optional<ParsedId> slot = parse_id(r.text(i, 3), IdKind::kSaveSlot)) {
      s->slot = slot->bits;
      s->slot_owner = slot->owner;
    }
  }
  s->status = enum_named(r.text(i, 4), SessionStatus::kError, status_name, SessionStatus::kError);
  if (!r.is_null(i, 5)) {
    for (uint32_t k = 0; k < runtime.servers.size(); ++k) {
      if (runtime.servers[k].name == r.text(i, 5)) {
        s->server = k;
        s->placed = true;
      }
    }
  }
  s->started_ms = integer(r, i, 6);
  s->last_keepalive_ms = integer(r, i, 7);
  s->ended_ms = integer(r, i, 8);
  s->end_reason = enum_named(r.text(i, 9), kLastEndReason, end_reason_name, EndReason::kNone);
  if (!r.is_null(i, 10)) {
    s->error = enum_named(r.text(i, 10), kLastSessionError, error_code, SessionError::kStartFailed);
  }
  s->cpu_seconds = number_or_nan(r, i, 11);
  s->peak_memory_mb = number_or_nan(r, i, 12);
  s->running_ms = r.is_null(i, 13) ? 0 : integer(r, i, 13);
  return true;
}

}  // namespace

EndedSessions::EndedSessions(const Runtime& runtime, Reactor& reactor, PgConnection& connection)
    : runtime_(runtime),
      reactor_(reactor),
      connection_(connection),
      render_{runtime.catalog, runtime.servers, no_urls_, runtime.published.placement(),
              reactor.clock()},
      timeout_sql_("SELECT set_config('statement_timeout', '" + std::to_string(kReadTimeoutMs) +
                   "', true)") {
  wait_timer_.self = this;
  wait_timer_.on_fire = &EndedSessions::on_wait_over;
  reactor_.add_batch_end_hook(&EndedSessions::on_batch_end, this);
}

EndedSessions::~EndedSessions() {
  reactor_.remove_batch_end_hook(&EndedSessions::on_batch_end, this);
  if (wait_timer_.armed()) reactor_.timers().cancel(&wait_timer_);
}

void EndedSessions::query(uint32_t from, const OperatorSessionsQuery& m) {
  if (connection_.ready() || waiting_.size() >= kMaxWaiting) {
    read(from, m);
    return;
  }
  Waiting& w = waiting_.emplace_back();
  w.from = from;
  w.query = m.query;
  w.filter = m.filter;
  w.player_id.assign(m.filter.player_id);
  w.server_name.assign(m.filter.server_name);
  w.deadline_ms = reactor_.now_ms() + kConnectWaitMs;
  if (!wait_timer_.armed()) reactor_.timers().arm(&wait_timer_, w.deadline_ms);
}

// The connection came (back): the queries that waited for it are read.
void EndedSessions::on_batch_end(void* ctx) {
  auto* self = static_cast<EndedSessions*>(ctx);
  if (self->waiting_.empty() || !self->connection_.ready()) return;
  std::vector<Waiting> ready = std::move(self->waiting_);
  self->waiting_.clear();
  if (self->wait_timer_.armed()) self->reactor_.timers().cancel(&self->wait_timer_);
  for (Waiting& w : ready) {
    OperatorSessionsQuery m{w.query, w.filter};
    m.filter.player_id = w.player_id;
    m.filter.server_name = w.server_name;
    self->read(w.from, m);
  }
}

// The connection did not come in time: the oldest waiting are answered partial.
void EndedSessions::on_wait_over(TimerNode* node) {
  EndedSessions* self = static_cast<WaitTimer*>(node)->self;
  const uint64_t now = self->reactor_.now_ms();
  size_t over = 0;
  while (over < self->waiting_.size() && self->waiting_[over].deadline_ms <= now) {
    const Waiting& w = self->waiting_[over++];
    log_warn("operator_sessions_read_refused")
        .kv("node", self->runtime_.config.node_id)
        .kv("why", "database unavailable");
    self->answer(w.from, w.query, nullptr, true);
  }
  self->waiting_.erase(self->waiting_.begin(), self->waiting_.begin() + static_cast<long>(over));
  if (!self->waiting_.empty()) {
    self->reactor_.timers().arm(&self->wait_timer_, self->waiting_.front().deadline_ms);
  }
}

void EndedSessions::read(uint32_t from, const OperatorSessionsQuery& m) {
  const OperatorSessionsFilter& f = m.filter;
  const bool active = f.status != OperatorSessionsFilter::kAnyStatus &&
                      f.status != static_cast<uint8_t>(SessionStatus::kStopped) &&
                      f.status != static_cast<uint8_t>(SessionStatus::kError);
  // A server by name, in this fleet or not: the rows keep servers that have left it.
  if (active || (f.has_game && f.game >= runtime_.catalog.games().size())) {
    answer(from, m.query, nullptr, false);  // nothing ended matches (shards ask when one may)
    return;
  }
  const uint64_t query = m.query;
  // The statement's result answers; a failure (of it, or of the batch after it) answers once.
  auto answered = std::make_shared<bool>(false);
  if (!connection_.begin([this, from, query, answered](const PgError* error) {
        if (error && !*answered) {
          log_warn("operator_sessions_read_failed")
              .kv("node", runtime_.config.node_id)
              .kv("sqlstate", error->sqlstate);
          answer(from, query, nullptr, true);
        }
      })) {
    log_warn("operator_sessions_read_refused")
        .kv("node", runtime_.config.node_id)
        .kv("why", "database unavailable");
    answer(from, query, nullptr, true);
    return;
  }
  // Bounded well under the connection's batch timeout (3-5 s, app/io_core.cc): a slow read (a
  // rare filter walking the index) fails as a statement, answered partial, rather than making
  // the connection drop (with the partition locks in a cluster) and delaying the writes behind
  // it. Transaction-local: it ends with this batch.
  connection_.query(timeout_sql_.c_str());
  sql_ = kColumns;
  PgParams params;
  int n = 0;
  auto where = [&](std::string_view column) {
    sql_.append(" AND ").append(column).append(" = $").append(std::to_string(++n));
  };
  if (f.has_player) {
    where("player_id");
    params.add(f.player_id);
  }
  if (f.has_game) {
    where("game_slug");
    params.add(std::string_view(runtime_.catalog.games()[f.game].slug));
  }
  if (f.has_server) {
    where("server");
    params.add(f.server_name);
  }
  if (f.status != OperatorSessionsFilter::kAnyStatus) {
    where("status");
    params.add(status_name(static_cast<SessionStatus>(f.status)));
  }
  sql_.append(" ORDER BY started_at DESC, id DESC LIMIT $").append(std::to_string(++n));
  params.add(int64_t{f.limit});
  connection_.query(sql_.c_str(), params,
                    [this, from, query, answered](const PgResult* r, const PgError*) {
                      if (!r) return;  // the batch's callback answers
                      *answered = true;
                      answer(from, query, r, false);
                    });
  connection_.commit();
}

void EndedSessions::answer(uint32_t from, uint64_t query, const PgResult* rows, bool partial) {
  OperatorSessionsPart part;
  part.query = query;
  part.partial = partial;
  items_.clear();
  const int64_t now = reactor_.clock().unix_ms;
  for (int i = 0; rows && i < rows->rows(); ++i) {
    GameSession s;
    if (!session_of(*rows, i, runtime_, &s)) continue;
    json_.clear();
    JsonWriter w(json_);
    w.begin_object();
    render_operator_fields(w, s, rows->text(i, 1), render_, url_scratch_, 0, now);
    w.end_object();
    OperatorSessionsPart::append_item(items_, s.started_ms, json_.view());
    ++part.count;
  }
  part.items = items_;
  reactor_.mailbox().send(from, part);
}

}  // namespace ringside

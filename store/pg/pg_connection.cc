#include "store/pg/pg_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <utility>

#include "core/log.h"

namespace ringside {
namespace {

// Run first on every connection: a server (or role) configured with synchronous_commit=off
// would acknowledge commits that a crash can still lose, which breaks the durability contract.
// Stronger settings (remote_write, remote_apply) are left as they are.
constexpr const char* kEnsureDurableCommits =
    "SELECT set_config('synchronous_commit', 'on', false) "
    "WHERE current_setting('synchronous_commit') = 'off'";

constexpr uint64_t kUnsent = PgConnection::kNoDeadline;

// How often the loop asks whether a host-name lookup is done (rounded up to the timer tick).
constexpr uint64_t kLookupPollMs = 5;

// The host to look up before connecting: the URL's host when it is one name. Empty when libpq
// would resolve nothing (no host, hostaddr given, an IP address, a Unix-socket directory or
// abstract socket) and for a list of hosts, which is left to libpq.
std::string host_to_resolve(const std::string& url) {
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), nullptr);
  if (!parsed) return "";
  std::string host;
  std::string hostaddr;
  for (const PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "hostaddr") == 0) hostaddr = o->val;
  }
  PQconninfoFree(parsed);
  if (!hostaddr.empty() || host.empty() || host[0] == '/' || host[0] == '@' ||
      host.find(',') != std::string::npos) {
    return "";
  }
  unsigned char address[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), address) == 1 ||
      inet_pton(AF_INET6, host.c_str(), address) == 1) {
    return "";
  }
  return host;
}

// libpq's messages end with a newline and may span lines; logs and /readyz want one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Errors that mean "the session is gone", not "this statement is wrong": connection
// exceptions (class 08) and operator intervention (57P01 admin shutdown, 57P02 crash shutdown,
// 57P03 cannot connect now).
PgError::Kind kind_of(std::string_view sqlstate) {
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return PgError::Kind::kConnection;
  }
  return PgError::Kind::kStatement;
}

PgError error_of(const PGresult* result, int statement) {
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  PgError error;
  error.sqlstate = sqlstate ? sqlstate : "";
  error.kind = kind_of(error.sqlstate);
  error.message = one_line(primary ? primary : PQresultErrorMessage(result));
  if (detail) error.message += " (" + one_line(detail) + ")";
  error.statement = statement;
  return error;
}

void on_notice(void* /*ctx*/, const char* message) {
  log_warn("postgres_notice").kv("message", one_line(message));
}

}  // namespace

PgConnection::PgConnection(Options options)
    : options_(std::move(options)),
      backoff_(options_.backoff_initial_ms, options_.backoff_max_ms, std::random_device{}()) {
  // Later keywords win, so everything the URL sets overrides these defaults. With the default
  // options TCP keepalives notice a vanished server within about 25 s even when nothing is in
  // flight; cluster mode asks for seconds (docs/cluster.md, "Failures").
  numbers_ = {
      std::to_string(options_.keepalives_idle_s), std::to_string(options_.keepalives_interval_s),
      std::to_string(options_.keepalives_count), std::to_string(options_.tcp_user_timeout_ms)};
  keywords_ = {"application_name", "keepalives",       "keepalives_idle", "keepalives_interval",
               "keepalives_count", "tcp_user_timeout", "dbname"};
  values_ = {"ringside",          "1",
             numbers_[0].c_str(), numbers_[1].c_str(),
             numbers_[2].c_str(), numbers_[3].c_str(),
             options_.url.c_str()};
  lookup_host_ = host_to_resolve(options_.url);
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

bool PgConnection::valid_url(const std::string& url, std::string* error) {
  char* message = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &message);
  if (parsed) {
    PQconninfoFree(parsed);
    return true;
  }
  if (error) *error = message ? one_line(message) : "out of memory";
  PQfreemem(message);
  return false;
}

void PgConnection::start(uint64_t now_ms) {
  started_ = true;
  connect(now_ms);
}

void PgConnection::set_state(State state, std::string_view why) {
  if (state == state_) return;
  state_ = state;
  if (on_state_) on_state_(state, why);
}

void PgConnection::connect(uint64_t now_ms) {
  set_state(State::kConnecting, "");
  connect_deadline_ms_ = now_ms + options_.connect_timeout_ms;
  if (lookup_host_.empty()) {
    start_libpq(now_ms);
    return;
  }
  resolver_.start(lookup_host_);
  looking_up_ = true;
  lookup_check_ms_ = now_ms + kLookupPollMs;
}

void PgConnection::check_lookup(uint64_t now_ms) {
  switch (resolver_.poll()) {
    case PgResolver::Status::kDone:
      break;
    case PgResolver::Status::kFailed:
      log_warn("postgres_host_lookup_failed").kv("host", lookup_host_).kv("why", resolver_.error());
      drop_connection(now_ms,
                      "could not resolve host \"" + lookup_host_ + "\": " + resolver_.error());
      return;
    default:
      lookup_check_ms_ = now_ms + kLookupPollMs;
      return;
  }
  looking_up_ = false;
  resolved_hosts_.clear();
  resolved_addresses_.clear();
  for (const std::string& address : resolver_.addresses()) {
    if (!resolved_addresses_.empty()) {
      resolved_hosts_.push_back(',');
      resolved_addresses_.push_back(',');
    }
    resolved_hosts_.append(lookup_host_);
    resolved_addresses_.append(address);
  }
  start_libpq(now_ms);
}

void PgConnection::start_libpq(uint64_t now_ms) {
  // Later keywords win: host and hostaddr override the URL's. libpq tries the addresses in
  // order, as it would those of its own lookup; one port in the URL applies to all of them.
  std::vector<const char*> keywords = keywords_;
  std::vector<const char*> values = values_;
  if (!lookup_host_.empty()) {
    keywords.insert(keywords.end(), {"host", "hostaddr"});
    values.insert(values.end(), {resolved_hosts_.c_str(), resolved_addresses_.c_str()});
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1);
  ++fd_generation_;
  connected_ = false;
  connect_poll_ = PGRES_POLLING_WRITING;  // libpq: start as if PQconnectPoll asked to write
  if (!conn_) {
    drop_connection(now_ms, "out of memory");
  } else if (PQstatus(conn_) == CONNECTION_BAD) {
    drop_connection(now_ms, PQerrorMessage(conn_));
  }
}

void PgConnection::advance_connect(uint64_t now_ms) {
  PostgresPollingStatusType status = PQconnectPoll(conn_);
  // libpq may have moved to a new socket (the next address of the host), possibly with the
  // same number: callers watching the old one must re-arm.
  ++fd_generation_;
  switch (status) {
    case PGRES_POLLING_READING:
    case PGRES_POLLING_WRITING:
      connect_poll_ = status;
      break;
    case PGRES_POLLING_OK:
      on_connected(now_ms);
      break;
    default:
      drop_connection(now_ms, PQerrorMessage(conn_));
      break;
  }
}

void PgConnection::on_connected(uint64_t now_ms) {
  if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1) {
    drop_connection(now_ms, PQerrorMessage(conn_));
    return;
  }
  PQsetNoticeProcessor(conn_, &on_notice, nullptr);
  connected_ = true;

  // The connection reports ready once this batch comes back: durable commits ensured and
  // every statement prepared, so a batch built afterwards cannot meet a missing one.
  Batch setup;
  setup.setup = true;
  bool sent = PQsendQueryParams(conn_, kEnsureDurableCommits, 0, nullptr, nullptr, nullptr, nullptr,
                                0) == 1;
  setup.statements.emplace_back();
  for (const PgPreparedStatement& s : options_.prepared) {
    sent = sent && PQsendPrepare(conn_, s.name.c_str(), s.sql.c_str(), 0, nullptr) == 1;
    setup.statements.emplace_back();
  }
  sent = sent && PQpipelineSync(conn_) == 1;
  if (!sent) {
    drop_connection(now_ms, PQerrorMessage(conn_));
    return;
  }
  setup.sent_ms = now_ms;
  in_flight_.push_back(std::move(setup));
  flush(now_ms);
}

bool PgConnection::begin(PgBatchCallback on_done) {
  if (state_ != State::kReady || batch_open_) return false;
  open_ = Batch{};
  open_.on_done = std::move(on_done);
  open_.sent_ms = kUnsent;
  batch_open_ = true;
  return true;
}

void PgConnection::add_statement(PgStatementCallback on_result) {
  open_.statements.emplace_back();
  open_.statements.back().on_result = std::move(on_result);
}

void PgConnection::note_send_failure() {
  if (!send_failure_) send_failure_ = one_line(PQerrorMessage(conn_));
}

void PgConnection::query(const char* sql, const PgParams& params, PgStatementCallback on_result) {
  if (!send_failure_ && PQsendQueryParams(conn_, sql, params.size(), nullptr, params.values(),
                                          nullptr, nullptr, 0) != 1) {
    note_send_failure();
  }
  add_statement(std::move(on_result));
}

void PgConnection::execute(size_t statement, const PgParams& params,
                           PgStatementCallback on_result) {
  const char* name = options_.prepared.at(statement).name.c_str();
  if (!send_failure_ &&
      PQsendQueryPrepared(conn_, name, params.size(), params.values(), nullptr, nullptr, 0) != 1) {
    note_send_failure();
  }
  add_statement(std::move(on_result));
}

void PgConnection::commit() {
  batch_open_ = false;
  if (!send_failure_ && PQpipelineSync(conn_) != 1) note_send_failure();
  in_flight_.push_back(std::move(open_));
}

bool PgConnection::wants_read() const {
  if (!conn_) return false;
  return connected_ || connect_poll_ == PGRES_POLLING_READING;
}

bool PgConnection::wants_write() const {
  if (!conn_) return false;
  return connected_ ? output_pending_ : connect_poll_ == PGRES_POLLING_WRITING;
}

void PgConnection::flush(uint64_t now_ms) {
  if (send_failure_) {
    drop_connection(now_ms, *send_failure_);
    return;
  }
  if (!conn_ || !connected_) return;
  for (auto it = in_flight_.rbegin(); it != in_flight_.rend() && it->sent_ms == kUnsent; ++it) {
    it->sent_ms = now_ms;
  }
  int rc = PQflush(conn_);
  if (rc < 0) {
    drop_connection(now_ms, PQerrorMessage(conn_));
    return;
  }
  output_pending_ = rc == 1;
}

void PgConnection::on_writable(uint64_t now_ms) {
  if (!conn_) return;
  if (connected_) {
    flush(now_ms);
  } else if (connect_poll_ == PGRES_POLLING_WRITING) {
    advance_connect(now_ms);
  }
}

void PgConnection::on_readable(uint64_t now_ms) {
  if (send_failure_) {
    drop_connection(now_ms, *send_failure_);
    return;
  }
  if (!conn_) return;
  if (!connected_) {
    if (connect_poll_ == PGRES_POLLING_READING) advance_connect(now_ms);
    return;
  }
  if (PQconsumeInput(conn_) != 1) {
    drop_connection(now_ms, PQerrorMessage(conn_));
    return;
  }
  read_results(now_ms);
  if (conn_ && PQstatus(conn_) == CONNECTION_BAD) {
    drop_connection(now_ms, PQerrorMessage(conn_));
    return;
  }
  // libpq: a writer blocked on a full socket must keep reading, then try again.
  if (conn_ && output_pending_) flush(now_ms);
}

void PgConnection::read_results(uint64_t now_ms) {
  while (conn_ && !in_flight_.empty() && !PQisBusy(conn_)) {
    if (!take_result(PQgetResult(conn_), now_ms)) return;
  }
}

bool PgConnection::take_result(PGresult* result, uint64_t now_ms) {
  Batch& batch = in_flight_.front();
  int index = static_cast<int>(batch.cursor);
  if (batch.cursor < batch.statements.size()) {
    if (!result) {  // the end of this statement's results
      if (!batch.error && !batch.statements[batch.cursor].result) {
        batch.error = PgError{PgError::Kind::kStatement, "", "the server sent no result", index};
      }
      ++batch.cursor;
      return true;
    }
    switch (PQresultStatus(result)) {
      case PGRES_COMMAND_OK:
      case PGRES_TUPLES_OK:
      case PGRES_EMPTY_QUERY:
        batch.statements[batch.cursor].result.emplace(result);
        return true;
      case PGRES_PIPELINE_ABORTED:  // skipped after an earlier failure in the batch
        PQclear(result);
        return true;
      case PGRES_FATAL_ERROR:
      case PGRES_NONFATAL_ERROR:
        if (!batch.error) batch.error = error_of(result, index);
        PQclear(result);
        return true;
      default:  // a Sync or COPY where a statement's result belongs: we are out of step
        PQclear(result);
        drop_connection(now_ms, "unexpected result from the server");
        return false;
    }
  }
  // All statements are in: next comes the Sync, which commits. An error here is the commit's,
  // and libpq ends its results with a NULL before the Sync's own result. That result, and the
  // next batches', may already be in libpq's buffer, read by the same recv: keep taking them
  // (read_results stops once libpq would wait). A second NULL here means nothing more is due.
  if (!result) {
    if (batch.commit_error_ended) return false;
    batch.commit_error_ended = true;
    return true;
  }
  ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_PIPELINE_SYNC) {
    PQclear(result);
    finish_batch(now_ms);
    return conn_ != nullptr;
  }
  if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR) {
    if (!batch.error) batch.error = error_of(result, -1);
    PQclear(result);
    return true;
  }
  PQclear(result);
  drop_connection(now_ms, "unexpected result from the server");
  return false;
}

void PgConnection::finish_batch(uint64_t now_ms) {
  Batch batch = std::move(in_flight_.front());
  in_flight_.pop_front();
  if (batch.setup) {
    if (batch.error) {
      drop_connection(now_ms, "preparing the session: " + batch.error->message);
    } else {
      backoff_.reset();
      last_error_.clear();
      set_state(State::kReady, "");
    }
    return;
  }
  deliver(batch);
}

void PgConnection::deliver(Batch& batch) {
  if (batch.error) {
    for (Statement& s : batch.statements) {
      if (s.on_result) s.on_result(nullptr, &*batch.error);
    }
    if (batch.on_done) batch.on_done(&*batch.error);
    return;
  }
  for (Statement& s : batch.statements) {
    if (s.on_result) s.on_result(&*s.result, nullptr);
  }
  if (batch.on_done) batch.on_done(nullptr);
}

void PgConnection::drop_connection(uint64_t now_ms, const std::string& why) {
  if (looking_up_) resolver_.cancel();
  looking_up_ = false;
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  ++fd_generation_;
  connected_ = false;
  output_pending_ = false;
  send_failure_.reset();
  last_error_ = one_line(why);
  retry_at_ms_ = now_ms + backoff_.next();
  std::deque<Batch> failed = std::move(in_flight_);
  in_flight_.clear();
  set_state(State::kDown, last_error_);
  for (Batch& batch : failed) {
    if (batch.setup) continue;
    // A statement the server rejected means a rollback for certain; anything else is unknown.
    if (!batch.error || batch.error->kind != PgError::Kind::kStatement) {
      std::string sqlstate = batch.error ? batch.error->sqlstate : "";
      std::string reason = batch.error ? batch.error->message : last_error_;
      batch.error = PgError{PgError::Kind::kConnection, std::move(sqlstate),
                            "connection to the database lost: " + reason, -1};
    }
    deliver(batch);
  }
}

uint64_t PgConnection::next_deadline_ms() const {
  if (send_failure_) return 0;
  switch (state_) {
    case State::kDown:
      return started_ ? retry_at_ms_ : kNoDeadline;
    case State::kConnecting:
      return looking_up_ ? std::min(lookup_check_ms_, connect_deadline_ms_) : connect_deadline_ms_;
    case State::kReady:
      if (options_.batch_timeout_ms == 0 || in_flight_.empty() ||
          in_flight_.front().sent_ms == kUnsent) {
        return kNoDeadline;
      }
      return in_flight_.front().sent_ms + options_.batch_timeout_ms;
  }
  return kNoDeadline;
}

void PgConnection::on_timer(uint64_t now_ms) {
  if (send_failure_) {
    drop_connection(now_ms, *send_failure_);
    return;
  }
  if (now_ms < next_deadline_ms()) return;
  switch (state_) {
    case State::kDown:
      connect(now_ms);
      break;
    case State::kConnecting:
      if (looking_up_ && now_ms < connect_deadline_ms_) {
        check_lookup(now_ms);
      } else if (looking_up_) {
        log_warn("postgres_host_lookup_failed").kv("host", lookup_host_).kv("why", "timed out");
        drop_connection(now_ms, "resolving host \"" + lookup_host_ + "\" took longer than " +
                                    std::to_string(options_.connect_timeout_ms) + " ms");
      } else {
        drop_connection(now_ms, "connecting took longer than " +
                                    std::to_string(options_.connect_timeout_ms) + " ms");
      }
      break;
    case State::kReady:
      drop_connection(now_ms, "no answer from the database in " +
                                  std::to_string(options_.batch_timeout_ms) + " ms");
      break;
  }
}

}  // namespace ringside

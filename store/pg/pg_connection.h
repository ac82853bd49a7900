#pragma once
// One asynchronous PostgreSQL connection for the I/O core: libpq in non-blocking pipeline
// mode, driven by socket readiness from the caller's event loop. Nothing here ever blocks.
//
// Batches. A batch is one transaction and one round trip: begin(), any number of query() /
// execute(), commit(). The statements go out back to back and end with one Sync; without an
// explicit BEGIN, the server runs everything up to a Sync as one implicit transaction and
// commits it at the Sync (an explicit BEGIN ... COMMIT would leave the session in an aborted
// transaction after a failure, failing every batch already queued behind it). Many batches
// may be in flight at once: the pipeline keeps them in order, and each waits for nothing but
// its own results.
//
// Outcomes. When a batch's Sync comes back, every statement callback of the batch runs with
// its result, in order, then the batch callback with no error: the batch is committed. If the
// server rejected a statement, the transaction was rolled back: every statement callback and
// the batch callback get that error (Kind::kStatement) and later batches are unaffected. If
// the connection is lost, every batch not yet answered fails with Kind::kConnection (its
// outcome is unknown: writes must be idempotent), the connection goes down, and it reconnects
// with exponential backoff and jitter. While it is not ready, begin() refuses new batches.
// Callbacks run from on_readable() / on_writable() / on_timer() / flush(), never from the
// batch-building calls; they may build new batches.
//
// Driving it (see PgPoller for the io_uring version): watch fd() for reading when
// wants_read(), for writing when wants_write(), and call on_readable() / on_writable(); call
// on_timer() at next_deadline_ms(); call flush() after building batches (and whenever
// convenient: it is cheap). fd() changes across reconnects (fd_generation() tells).
//
// Host names. libpq would resolve the URL's host with a blocking getaddrinfo(); when the host
// is one name (not an IP address, not a socket directory, not a list), each attempt looks it
// up first with PgResolver, off the loop, and hands libpq the addresses as `hostaddr` (host
// stays as given, for TLS verification and .pgpass). A lookup that fails is a failed attempt.
// Lists of hosts (`host=a,b`) are left to libpq, which resolves them blocking.
//
// Statements in Options::prepared are prepared on every connection before it reports ready;
// execute(i, ...) runs the i-th one. Not thread-safe: one thread owns it.
#include <libpq-fe.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/pg/pg_backoff.h"
#include "store/pg/pg_params.h"
#include "store/pg/pg_resolver.h"
#include "store/pg/pg_result.h"

namespace ringside {

// Exactly one of the two pointers is set.
using PgStatementCallback = std::function<void(const PgResult* result, const PgError* error)>;
// Null error: the batch committed.
using PgBatchCallback = std::function<void(const PgError* error)>;

struct PgPreparedStatement {
  std::string name;
  std::string sql;
};

class PgConnection {
 public:
  enum class State : uint8_t {
    kDown,        // no connection; the next attempt is at next_deadline_ms()
    kConnecting,  // connecting, authenticating, preparing statements
    kReady,       // accepts batches
  };
  struct Options {
    std::string url;  // postgres://user:password@host:port/db?param=... (libpq's syntax)
    std::vector<PgPreparedStatement> prepared;
    uint64_t connect_timeout_ms = 5000;
    // A batch with no answer this long means the server or the network is gone: the
    // connection is dropped and reconnected (TCP keepalives alone take tens of seconds).
    // 0: wait forever.
    uint64_t batch_timeout_ms = 30000;
    // TCP keepalive probes (idle seconds, interval seconds, count) and tcp_user_timeout (ms
    // unacknowledged data may wait before the kernel drops the connection; 0: the kernel's
    // default). Keepalives notice a dead peer while nothing is in flight, the user timeout
    // while something is. The URL's own settings win over these.
    uint32_t keepalives_idle_s = 10;
    uint32_t keepalives_interval_s = 5;
    uint32_t keepalives_count = 3;
    uint32_t tcp_user_timeout_ms = 0;
    uint64_t backoff_initial_ms = 100;
    uint64_t backoff_max_ms = 5000;
  };
  using StateHandler = std::function<void(State state, std::string_view why)>;
  static constexpr uint64_t kNoDeadline = UINT64_MAX;

  explicit PgConnection(Options options);
  // Closes the connection. Callbacks of batches still in flight are not called: to lose
  // nothing, wait for pending_batches() == 0 first.
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Checks a URL without connecting: false and why when libpq cannot parse it.
  static bool valid_url(const std::string& url, std::string* error);

  // Called on every change of state, with the reason when it goes down.
  void set_state_handler(StateHandler handler) { on_state_ = std::move(handler); }
  // Starts the first connection attempt.
  void start(uint64_t now_ms);

  State state() const { return state_; }
  bool ready() const { return state_ == State::kReady; }
  // Why the connection last went down or failed to come up (for /readyz and logs).
  const std::string& last_error() const { return last_error_; }

  // --- Batches ---
  // Opens a batch. False (and nothing happens) when the connection is not ready.
  bool begin(PgBatchCallback on_done = nullptr);
  // Adds a statement to the open batch. `sql` is one statement with $1, $2, ... parameters.
  void query(const char* sql, const PgParams& params = {}, PgStatementCallback on_result = nullptr);
  // Adds Options::prepared[statement] to the open batch.
  void execute(size_t statement, const PgParams& params = {},
               PgStatementCallback on_result = nullptr);
  // Closes the batch: it goes out with the next flush().
  void commit();
  // Batches committed whose outcome has not been reported yet.
  size_t pending_batches() const { return in_flight_.size(); }

  // --- Driving ---
  int fd() const { return conn_ ? PQsocket(conn_) : -1; }
  uint32_t fd_generation() const { return fd_generation_; }
  bool wants_read() const;
  bool wants_write() const;
  void on_readable(uint64_t now_ms);
  void on_writable(uint64_t now_ms);
  // Absolute time (the caller's monotonic ms) at which on_timer() has work, or kNoDeadline.
  uint64_t next_deadline_ms() const;
  void on_timer(uint64_t now_ms);
  // Sends what the batches built so far produced, as far as the socket takes it.
  void flush(uint64_t now_ms);

 private:
  struct Statement {
    PgStatementCallback on_result;
    std::optional<PgResult> result;
  };
  struct Batch {
    std::vector<Statement> statements;
    PgBatchCallback on_done;
    std::optional<PgError> error;
    size_t cursor = 0;                // the statement whose results arrive next
    uint64_t sent_ms = 0;             // when commit() queued it
    bool setup = false;               // the connection's own preparation batch
    bool commit_error_ended = false;  // the end (NULL) of a failed commit's results was read
  };

  void set_state(State state, std::string_view why);
  void connect(uint64_t now_ms);
  // Hands the URL (and the addresses looked up, if any) to libpq.
  void start_libpq(uint64_t now_ms);
  void check_lookup(uint64_t now_ms);
  void advance_connect(uint64_t now_ms);
  void on_connected(uint64_t now_ms);
  void read_results(uint64_t now_ms);
  // Handles one result of the oldest batch; false when the connection was dropped.
  bool take_result(PGresult* result, uint64_t now_ms);
  void finish_batch(uint64_t now_ms);
  void note_send_failure();
  void drop_connection(uint64_t now_ms, const std::string& why);
  void add_statement(PgStatementCallback on_result);
  static void deliver(Batch& batch);

  Options options_;
  std::vector<const char*> keywords_;
  std::vector<const char*> values_;
  std::vector<std::string> numbers_;  // the texts values_ points at
  std::string lookup_host_;           // the host name to resolve before each attempt; empty: none
  PgResolver resolver_;
  bool looking_up_ = false;
  uint64_t lookup_check_ms_ = 0;
  std::string resolved_hosts_;      // lookup_host_ once per address, comma-separated
  std::string resolved_addresses_;  // the addresses, comma-separated
  PGconn* conn_ = nullptr;
  State state_ = State::kDown;
  PostgresPollingStatusType connect_poll_ = PGRES_POLLING_WRITING;
  bool started_ = false;
  bool connected_ = false;  // past PQconnectPoll: pipeline mode is on
  bool output_pending_ = false;
  bool batch_open_ = false;
  std::optional<std::string> send_failure_;  // a send failed while building: drop at next drive
  uint32_t fd_generation_ = 0;
  uint64_t connect_deadline_ms_ = 0;
  uint64_t retry_at_ms_ = 0;
  PgBackoff backoff_;
  std::string last_error_;
  Batch open_;
  std::deque<Batch> in_flight_;
  StateHandler on_state_;
};

}  // namespace ringside

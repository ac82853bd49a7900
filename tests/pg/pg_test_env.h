#pragma once
// What the PostgreSQL tests share: the cluster tools/pg-env started for the run (its directory
// in RINGSIDE_PG_DIR), a blocking admin connection to set up and inspect, a scratch database
// per test, and a loop that drives a PgConnection on a real Reactor through PgPoller.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/reactor.h"
#include "store/pg/pg_connection.h"

namespace ringside::pgtest {

// DATABASE_URL of the run's cluster. Fails the test when RINGSIDE_PG_DIR is not set.
std::string cluster_url();
// The same server and credentials, another database.
std::string url_for_database(const std::string& url, const std::string& database);
// tools/pg-env restart: every connection is cut; the server is back when this returns.
void restart_cluster();
uint64_t now_ms();  // the reactors' monotonic clock
// Runs `reactor` until done() holds (checked at the end of every iteration) or timeout_ms
// passes. Returns done().
bool run_reactor_until(Reactor& reactor, const std::function<bool()>& done, uint64_t timeout_ms);

// A blocking libpq connection for setting up and looking; a failing statement fails the test.
class Admin {
 public:
  explicit Admin(const std::string& url);
  ~Admin();
  Admin(const Admin&) = delete;
  Admin& operator=(const Admin&) = delete;

  void exec(const std::string& sql);
  std::vector<std::vector<std::string>> rows(const std::string& sql);
  std::string value(const std::string& sql);  // first column of the first row

 private:
  PGconn* conn_;
};

// A fresh database for one test, dropped (connections and all) when it goes out of scope.
class ScratchDatabase {
 public:
  ScratchDatabase();
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

// A PgConnection driven by a fresh Reactor + PgPoller for each run_until() call.
class PgLoop {
 public:
  explicit PgLoop(PgConnection::Options options);

  PgConnection& conn() { return conn_; }
  // Starts the connection and runs until it is ready.
  bool start(uint64_t timeout_ms = 10000);
  // Runs the reactor until done() holds (checked at the end of every iteration) or timeout_ms
  // passes. Returns done().
  bool run_until(const std::function<bool()>& done, uint64_t timeout_ms = 10000);

  // Every state change so far, and the reasons given for going down.
  std::vector<PgConnection::State> states;
  std::vector<std::string> down_reasons;

 private:
  PgConnection conn_;
  bool started_ = false;
};

// Applies every migration ringside embeds to the database at `url`: the schema a test starts
// from.
::testing::AssertionResult apply_all_migrations(const std::string& url);

// Options with quick reconnects, for tests.
PgConnection::Options test_options(const std::string& url);
// A small reactor with 10 ms timer ticks, for a test's own loop.
Reactor::Options test_reactor_options();

// The outcome of one batch, filled in by its callback.
struct BatchOutcome {
  bool done = false;
  bool failed = false;
  PgError error;
  PgBatchCallback callback();
};

// A scratch database with an `items` table and a prepared insert (index kInsertItem): the
// fixture of the connection and reconnection tests.
inline constexpr size_t kInsertItem = 0;

class ItemsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = std::make_unique<Admin>(db_.url());
    admin_->exec("CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL)");
  }
  PgConnection::Options options() {
    PgConnection::Options o = test_options(db_.url());
    o.prepared = {{"insert_item", "INSERT INTO items (id, label) VALUES ($1, $2)"}};
    return o;
  }

  ScratchDatabase db_;
  std::unique_ptr<Admin> admin_;
};

}  // namespace ringside::pgtest

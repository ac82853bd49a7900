#include "tests/pg/pg_test_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "core/clock.h"
#include "core/message_bus.h"
#include "core/reactor.h"
#include "store/pg/migrations.h"
#include "store/pg/pg_poller.h"

#ifndef RINGSIDE_PG_ENV_TOOL
#error "build with -DRINGSIDE_PG_ENV_TOOL=\"/path/to/tools/pg-env\""
#endif

namespace ringside::pgtest {
namespace {

std::string cluster_dir() {
  const char* dir = std::getenv("RINGSIDE_PG_DIR");
  if (!dir || !*dir) {
    ADD_FAILURE() << "RINGSIDE_PG_DIR is not set: run these tests with tests/pg/run.sh (or "
                     "ctest), which start a cluster with tools/pg-env";
    return "";
  }
  return dir;
}

std::string random_name(const char* prefix) {
  std::random_device random;
  return prefix + std::to_string(random()) + "_" + std::to_string(random());
}

}  // namespace

std::string cluster_url() {
  std::ifstream env(cluster_dir() + "/env");
  std::string line;
  while (std::getline(env, line)) {
    if (line.rfind("DATABASE_URL=", 0) == 0) return line.substr(13);
  }
  ADD_FAILURE() << "no DATABASE_URL in " << cluster_dir() << "/env";
  return "";
}

std::string url_for_database(const std::string& url, const std::string& database) {
  return url.substr(0, url.rfind('/') + 1) + database;
}

void restart_cluster() {
  std::string command = std::string(RINGSIDE_PG_ENV_TOOL) + " restart '" + cluster_dir() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

uint64_t now_ms() { return read_clock().mono_ms; }

Admin::Admin(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
}

Admin::~Admin() { PQfinish(conn_); }

void Admin::exec(const std::string& sql) { rows(sql); }

std::vector<std::vector<std::string>> Admin::rows(const std::string& sql) {
  std::vector<std::vector<std::string>> out;
  PGresult* r = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(r);
  EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(r);
  for (int row = 0; row < PQntuples(r); ++row) {
    out.emplace_back();
    for (int col = 0; col < PQnfields(r); ++col) out.back().emplace_back(PQgetvalue(r, row, col));
  }
  PQclear(r);
  return out;
}

std::string Admin::value(const std::string& sql) {
  auto r = rows(sql);
  if (r.empty() || r[0].empty()) {
    ADD_FAILURE() << sql << ": no rows";
    return "";
  }
  return r[0][0];
}

ScratchDatabase::ScratchDatabase() : name_(random_name("scratch_")) {
  Admin(cluster_url()).exec("CREATE DATABASE " + name_);
  url_ = url_for_database(cluster_url(), name_);
}

ScratchDatabase::~ScratchDatabase() {
  Admin(cluster_url()).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

PgConnection::Options test_options(const std::string& url) {
  PgConnection::Options options;
  options.url = url;
  options.backoff_initial_ms = 20;
  options.backoff_max_ms = 200;
  return options;
}

::testing::AssertionResult apply_all_migrations(const std::string& url) {
  MigrationReport report;
  std::string error;
  if (apply_migrations(url, embedded_migrations(), &report, &error)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "migrations: " << error;
}

Reactor::Options test_reactor_options() {
  Reactor::Options options;
  options.sq_entries = 256;
  options.cq_entries = 1024;
  options.timer_tick_ms = 10;
  return options;
}

PgLoop::PgLoop(PgConnection::Options options) : conn_(std::move(options)) {
  conn_.set_state_handler([this](PgConnection::State state, std::string_view why) {
    states.push_back(state);
    if (state == PgConnection::State::kDown) down_reasons.emplace_back(why);
  });
}

bool PgLoop::start(uint64_t timeout_ms) {
  return run_until([this] { return conn_.ready(); }, timeout_ms);
}

bool run_reactor_until(Reactor& reactor, const std::function<bool()>& done, uint64_t timeout_ms) {
  struct Context {
    Reactor* reactor;
    const std::function<bool()>* done;
  } context{&reactor, &done};
  auto hook = [](void* ctx) {
    auto* c = static_cast<Context*>(ctx);
    if ((*c->done)()) c->reactor->stop();
  };
  reactor.add_batch_end_hook(hook, &context);
  struct Deadline : TimerNode {
    Reactor* reactor = nullptr;
  } deadline;
  deadline.reactor = &reactor;
  deadline.on_fire = [](TimerNode* node) { static_cast<Deadline*>(node)->reactor->stop(); };
  reactor.timers().arm(&deadline, reactor.now_ms() + timeout_ms);
  reactor.run();
  reactor.timers().cancel(&deadline);
  reactor.remove_batch_end_hook(hook, &context);
  return done();
}

bool PgLoop::run_until(const std::function<bool()>& done, uint64_t timeout_ms) {
  if (done()) return true;
  MessageBus bus(1, 1 << 16);
  Reactor reactor(bus, 0, test_reactor_options());
  PgPoller poller(reactor, conn_);
  if (!started_) {
    started_ = true;
    poller.start();
  }
  return run_reactor_until(reactor, done, timeout_ms);
}

PgBatchCallback BatchOutcome::callback() {
  return [this](const PgError* e) {
    done = true;
    failed = e != nullptr;
    if (e) error = *e;
  };
}

}  // namespace ringside::pgtest

// Losing the database: pending batches fail, the connection reports down, refuses new
// batches, reconnects with backoff and serves again. Against a real PostgreSQL (tools/pg-env).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "store/pg/pg_connection.h"
#include "tests/pg/pg_test_env.h"

namespace ringside {
namespace {

using pgtest::Admin;
using pgtest::BatchOutcome;
using pgtest::PgLoop;
using pgtest::ScratchDatabase;
using State = PgConnection::State;

using pgtest::kInsertItem;

class PgReconnectTest : public pgtest::ItemsTest {
 protected:
  std::string backend_pid(PgLoop& loop) {
    std::string pid;
    BatchOutcome outcome;
    EXPECT_TRUE(loop.conn().begin(outcome.callback()));
    loop.conn().query("SELECT pg_backend_pid()", {}, [&](const PgResult* r, const PgError*) {
      if (r) pid = r->text(0, 0);
    });
    loop.conn().commit();
    EXPECT_TRUE(loop.run_until([&] { return outcome.done; }));
    return pid;
  }
  // Two batches in flight: the first holds the server in pg_sleep, the second waits behind it.
  // The failure callback records whether the connection took new batches at that moment.
  void send_doomed_batches(PgConnection& conn, BatchOutcome& first, BatchOutcome& second,
                           bool* refused_while_failing) {
    PgBatchCallback record = first.callback();
    ASSERT_TRUE(conn.begin([&conn, record, refused_while_failing](const PgError* e) {
      *refused_while_failing = !conn.ready() && !conn.begin();
      record(e);
    }));
    conn.query("SELECT pg_sleep(30)");
    conn.execute(kInsertItem, PgParams().add(1).add("lost"));
    conn.commit();
    ASSERT_TRUE(conn.begin(second.callback()));
    conn.execute(kInsertItem, PgParams().add(2).add("lost"));
    conn.commit();
    conn.flush(pgtest::now_ms());
  }
  void wait_until_sleeping(const std::string& pid) {
    for (int i = 0; i < 500; ++i) {
      if (admin_->value("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid +
                        " AND wait_event = 'PgSleep'") == "1") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "backend " << pid << " never started sleeping";
  }
  void expect_lost(const BatchOutcome& outcome) {
    EXPECT_TRUE(outcome.done);
    EXPECT_TRUE(outcome.failed);
    EXPECT_EQ(outcome.error.kind, PgError::Kind::kConnection) << outcome.error.message;
    EXPECT_FALSE(outcome.error.message.empty());
  }
  void expect_serves_again(PgLoop& loop, int id) {
    ASSERT_TRUE(loop.run_until([&] { return loop.conn().ready(); })) << loop.conn().last_error();
    BatchOutcome after;
    ASSERT_TRUE(loop.conn().begin(after.callback()));
    loop.conn().execute(kInsertItem, PgParams().add(id).add("after"));  // re-prepared
    loop.conn().commit();
    ASSERT_TRUE(loop.run_until([&] { return after.done; }));
    EXPECT_FALSE(after.failed) << after.error.message;
  }
};

TEST_F(PgReconnectTest, TerminatedBackendFailsPendingBatchesThenReconnects) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  std::string pid = backend_pid(loop);
  ASSERT_FALSE(pid.empty());

  BatchOutcome first, second;
  bool refused = false;
  send_doomed_batches(loop.conn(), first, second, &refused);
  wait_until_sleeping(pid);
  EXPECT_EQ(admin_->value("SELECT pg_terminate_backend(" + pid + ")"), "t");

  ASSERT_TRUE(loop.run_until([&] { return first.done && second.done; }));
  expect_lost(first);
  expect_lost(second);
  EXPECT_TRUE(refused);
  EXPECT_EQ(loop.states.back(), State::kDown);
  ASSERT_FALSE(loop.down_reasons.empty());
  EXPECT_NE(loop.down_reasons.back().find("terminat"), std::string::npos)
      << loop.down_reasons.back();

  expect_serves_again(loop, 3);
  EXPECT_NE(backend_pid(loop), pid);
  EXPECT_EQ(admin_->value("SELECT string_agg(id || ':' || label, ',') FROM items"), "3:after");
}

TEST_F(PgReconnectTest, ClusterRestartFailsPendingBatchesThenReconnects) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  // Acknowledged before the restart: committed, so it must survive it.
  BatchOutcome before;
  ASSERT_TRUE(loop.conn().begin(before.callback()));
  loop.conn().execute(kInsertItem, PgParams().add(10).add("before"));
  loop.conn().commit();
  ASSERT_TRUE(loop.run_until([&] { return before.done; }));
  ASSERT_FALSE(before.failed) << before.error.message;
  std::string pid = backend_pid(loop);

  BatchOutcome first, second;
  bool refused = false;
  send_doomed_batches(loop.conn(), first, second, &refused);
  wait_until_sleeping(pid);
  admin_.reset();  // the restart cuts it too
  pgtest::restart_cluster();

  ASSERT_TRUE(loop.run_until([&] { return first.done && second.done; }));
  expect_lost(first);
  expect_lost(second);
  EXPECT_TRUE(refused);
  expect_serves_again(loop, 3);
  admin_ = std::make_unique<Admin>(db_.url());
  EXPECT_EQ(admin_->value("SELECT string_agg(id || ':' || label, ',' ORDER BY id) FROM items"),
            "3:after,10:before");
}

TEST_F(PgReconnectTest, UnreachableServerIsRetriedWithBackoff) {
  // A port nobody listens on: bind one, note it, close it.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(s);
  PgConnection::Options o = pgtest::test_options(
      "postgres://ringside:secret@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x");

  PgLoop loop(o);
  auto attempts = [&] { return std::count(loop.states.begin(), loop.states.end(), State::kDown); };
  ASSERT_TRUE(loop.run_until([&] { return attempts() >= 4; }));
  EXPECT_EQ(std::count(loop.states.begin(), loop.states.end(), State::kConnecting), attempts());
  EXPECT_FALSE(loop.conn().begin());
  EXPECT_NE(loop.conn().last_error().find("refused"), std::string::npos)
      << loop.conn().last_error();
  EXPECT_GT(loop.conn().next_deadline_ms(), pgtest::now_ms());  // waiting out its backoff
  EXPECT_EQ(loop.conn().fd(), -1);
}

TEST_F(PgReconnectTest, BatchWithoutAnswerDropsTheConnection) {
  PgConnection::Options o = options();
  o.batch_timeout_ms = 300;
  PgLoop loop(o);
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  BatchOutcome stuck;
  ASSERT_TRUE(loop.conn().begin(stuck.callback()));
  loop.conn().query("SELECT pg_sleep(5)");
  loop.conn().commit();
  ASSERT_TRUE(loop.run_until([&] { return stuck.done; }));
  expect_lost(stuck);
  EXPECT_NE(stuck.error.message.find("no answer"), std::string::npos) << stuck.error.message;
  expect_serves_again(loop, 1);
}

}  // namespace
}  // namespace ringside

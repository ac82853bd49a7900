// The retention sweep on the group-commit connection, against a real server: it runs while the
// writer is idle and holds back while a write batch is in flight, so it never queues behind a
// write that is waiting (a write that arrives while a sweep runs waits for that one small
// statement). What the sweep deletes is checked end to end in tests/durable/retention_test.cc.
#include "store/durable/retention_sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>

#include "core/message_bus.h"
#include "store/durable/statements.h"
#include "store/durable/write_intent.h"
#include "store/pg/pg_poller.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::pgtest {
namespace {

// The sweep among the I/O core's parts: the group-commit connection, its writer, the poller
// that drives them, and a count of the sweeps committed.
struct SweepRig {
  SweepRig(Reactor& reactor, const std::string& url, uint64_t settle_ms)
      : conn(options(url)),
        writer(reactor, conn, 0),
        sweep(reactor, conn, writer, 20, &count, &sweeps, settle_ms),
        poller(reactor, conn) {
    conn.set_state_handler([this](PgConnection::State state, std::string_view why) {
      writer.on_connection_state(state, why);
    });
    poller.start();
  }
  static PgConnection::Options options(const std::string& url) {
    PgConnection::Options o = test_options(url);
    o.prepared = durable_statements();
    return o;
  }
  static void count(void* ctx, const RetentionSweep::Swept&) { ++*static_cast<int*>(ctx); }

  int sweeps = 0;
  PgConnection conn;
  StoreWriter writer;
  RetentionSweep sweep;
  PgPoller poller;
};

class RetentionSweepTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(apply_all_migrations(db_.url())); }

  // Runs the loop until done() holds after an iteration, or timeout_ms passes.
  bool run_until(const std::function<bool()>& done, uint64_t timeout_ms) {
    return run_reactor_until(reactor_, done, timeout_ms);
  }

  ScratchDatabase db_;
  MessageBus bus_{1, 1 << 16};
  Reactor reactor_{bus_, 0, test_reactor_options()};
};

TEST_F(RetentionSweepTest, HoldsBackWhileAWriteBatchIsInFlight) {
  SweepRig rig(reactor_, db_.url(), RetentionSweep::kSettleAfterReconnectMs);
  PgConnection& conn = rig.conn;
  StoreWriter& writer = rig.writer;
  int& sweeps = rig.sweeps;

  // Idle: a sweep every interval.
  ASSERT_TRUE(run_until([&] { return sweeps >= 3; }, 10000));

  // A write stuck in flight (its table locked): no sweep goes out behind it.
  Admin locker(db_.url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE game_profiles IN ACCESS EXCLUSIVE MODE");
  WriteIntentBuilder intent;
  intent.begin(0, WriteClass::kBackground);
  intent.statement(kStmtUpsertProfile)
      .text("some-game")
      .number(1)
      .number(512)
      .integer(1)
      .integer(1);
  writer.submit_own(intent.bytes());
  ASSERT_TRUE(run_until([&] { return conn.pending_batches() >= 1 && !writer.idle(); }, 2000));
  run_until([] { return false; }, 100);  // a sweep sent before the write has finished by now
  const int before = sweeps;
  size_t most_in_flight = 0;
  run_until(
      [&] {
        most_in_flight = std::max(most_in_flight, conn.pending_batches());
        return false;
      },
      500);  // 25 intervals
  EXPECT_EQ(1u, most_in_flight) << "the sweep must not queue behind a write in flight";
  EXPECT_EQ(before, sweeps);

  // The write commits, and the sweeps resume.
  locker.exec("COMMIT");
  EXPECT_TRUE(run_until([&] { return writer.idle() && sweeps > before + 2; }, 5000));
  EXPECT_EQ(1u, writer.intents_committed());
}

TEST_F(RetentionSweepTest, WaitsAfterAReconnectForTheShardsLazyWrites) {
  constexpr uint64_t kSettleMs = 2000;
  SweepRig rig(reactor_, db_.url(), kSettleMs);
  PgConnection& conn = rig.conn;
  int& sweeps = rig.sweeps;

  // At start the database's times are current: sweeps at once.
  ASSERT_TRUE(run_until([&] { return sweeps >= 2; }, 10000));

  // The connection is cut and comes back: the times in the database are as old as the outage
  // until the shards' lazy writes land, so no sweep for the settle time.
  Admin admin(db_.url());
  admin.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  ASSERT_TRUE(run_until([&] { return !conn.ready(); }, 5000));
  ASSERT_TRUE(run_until([&] { return conn.ready(); }, 10000));
  const int at_reconnect = sweeps;
  run_until([] { return false; }, kSettleMs / 2);
  EXPECT_EQ(at_reconnect, sweeps) << "a sweep went out before the lazy writes could land";

  // Then the sweeps resume.
  EXPECT_TRUE(run_until([&] { return sweeps > at_reconnect + 1; }, 3 * kSettleMs));
}

}  // namespace
}  // namespace ringside::pgtest

// The fence of cluster mode (StoreWriter::set_fence_on_loss), against a real server: the write
// connection carries the partition locks, so nothing queued or in flight when it is lost may
// be sent on the next connection, which holds no lock (docs/cluster.md, "Writes at a loss").
// The same cut without the fence (one node) resends them: that is what the fence changes.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/message_bus.h"
#include "store/durable/statements.h"
#include "store/durable/store_writer.h"
#include "store/durable/write_intent.h"
#include "store/pg/pg_poller.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::pgtest {
namespace {

constexpr uint32_t kShard = 0;  // the one shard of the bus; the writer runs on thread 1
constexpr uint32_t kIoCore = 1;

struct WriterRig {
  WriterRig(Reactor& reactor, const std::string& url)
      : conn(options(url)), writer(reactor, conn, 1), poller(reactor, conn) {
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
  PgConnection conn;
  StoreWriter writer;
  PgPoller poller;
};

// A shard's background write: the profile of `game`.
std::string background_profile(uint64_t seq, const std::string& game) {
  WriteIntentBuilder intent;
  intent.begin(seq, WriteClass::kBackground);
  intent.statement(kStmtUpsertProfile).text(game).number(1).number(512).integer(1).integer(1);
  return std::string(intent.bytes());
}

class StoreWriterFenceTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { ASSERT_TRUE(apply_all_migrations(db_.url())); }

  bool run_until(const std::function<bool()>& done, uint64_t timeout_ms) {
    return run_reactor_until(reactor_, done, timeout_ms);
  }

  ScratchDatabase db_;
  MessageBus bus_{2, 1 << 16};
  Reactor reactor_{bus_, kIoCore, test_reactor_options()};
};

// One background intent in flight (blocked on a table lock) and one queued behind it; the
// writer's backend is terminated; the connection comes back and the table is free.
TEST_P(StoreWriterFenceTest, WhatWasQueuedOrInFlightAtALossIsSentAgainOnlyWithoutTheFence) {
  const bool fence = GetParam();
  WriterRig rig(reactor_, db_.url());
  rig.writer.set_fence_on_loss(fence);
  ASSERT_TRUE(run_until([&] { return rig.conn.ready(); }, 10000));

  Admin locker(db_.url());
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE game_profiles IN ACCESS EXCLUSIVE MODE");
  rig.writer.submit(kShard, background_profile(1, "in-flight"));
  ASSERT_TRUE(run_until([&] { return rig.conn.pending_batches() >= 1; }, 2000));
  rig.writer.submit(kShard, background_profile(2, "queued"));
  run_until([] { return false; }, 50);
  ASSERT_EQ(1u, rig.writer.queued());

  Admin admin(db_.url());
  admin.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND wait_event_type = 'Lock'");
  ASSERT_TRUE(run_until([&] { return !rig.conn.ready(); }, 5000));
  locker.exec("COMMIT");
  ASSERT_TRUE(run_until([&] { return rig.conn.ready(); }, 10000));
  // Long enough for a resend (the pause after a failure is 500 ms) to commit.
  run_until([&] { return false; }, 1500);

  const std::string rows =
      admin.value("SELECT count(*) FROM game_profiles WHERE game_slug IN ('in-flight', 'queued')");
  if (fence) {
    EXPECT_EQ("0", rows) << "a write queued before the loss was sent on the new connection";
    EXPECT_EQ(0u, rig.writer.intents_committed());
    EXPECT_TRUE(rig.writer.idle());
  } else {
    EXPECT_EQ("2", rows) << "one node keeps its background writes across a reconnect";
  }
}

std::string fence_name(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "Fenced" : "OneNode";
}

INSTANTIATE_TEST_SUITE_P(FenceOnLoss, StoreWriterFenceTest, ::testing::Bool(), fence_name);

}  // namespace
}  // namespace ringside::pgtest

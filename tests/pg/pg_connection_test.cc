// Batches against a real PostgreSQL (tools/pg-env), driven through PgPoller on a Reactor.
#include "store/pg/pg_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/pg/pg_test_env.h"

namespace ringside {
namespace {

using pgtest::Admin;
using pgtest::BatchOutcome;
using pgtest::PgLoop;
using pgtest::ScratchDatabase;

using pgtest::kInsertItem;

class PgConnectionTest : public pgtest::ItemsTest {
 protected:
  std::string ids() {
    std::string out;
    for (auto& row : admin_->rows("SELECT id FROM items ORDER BY id")) out += row[0] + " ";
    return out;
  }
};

TEST_F(PgConnectionTest, RefusesBatchesUntilReady) {
  PgLoop loop(options());
  EXPECT_FALSE(loop.conn().begin());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  EXPECT_EQ(loop.states.front(), PgConnection::State::kConnecting);
  EXPECT_EQ(loop.states.back(), PgConnection::State::kReady);
  BatchOutcome empty;
  ASSERT_TRUE(loop.conn().begin(empty.callback()));
  loop.conn().commit();
  ASSERT_TRUE(loop.run_until([&] { return empty.done; }));
  EXPECT_FALSE(empty.failed);
}

TEST_F(PgConnectionTest, ThousandInsertsInOneBatchCommitAsOneTransaction) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();

  std::vector<int> order;  // statement callbacks in the order they ran; -1 for the batch's
  BatchOutcome outcome;
  PgBatchCallback done = outcome.callback();
  ASSERT_TRUE(conn.begin([&](const PgError* e) {
    order.push_back(-1);
    done(e);
  }));
  PgParams params;
  for (int i = 0; i < 1000; ++i) {
    params.clear();
    params.add(i).add("item " + std::to_string(i));
    conn.execute(kInsertItem, params, [&order, i](const PgResult* r, const PgError* e) {
      EXPECT_EQ(e, nullptr);
      ASSERT_NE(r, nullptr);
      EXPECT_EQ(r->affected_rows(), 1);
      order.push_back(i);
    });
  }
  conn.commit();
  EXPECT_EQ(conn.pending_batches(), 1u);
  EXPECT_EQ(admin_->value("SELECT count(*) FROM items"), "0");  // nothing leaves before flush

  ASSERT_TRUE(loop.run_until([&] { return outcome.done; }));
  EXPECT_FALSE(outcome.failed) << outcome.error.message;
  ASSERT_EQ(order.size(), 1001u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(order[i], i);
  EXPECT_EQ(order.back(), -1);
  EXPECT_EQ(conn.pending_batches(), 0u);
  // Committed by the time the callback ran, and by one transaction: every row has its xmin.
  EXPECT_EQ(admin_->value("SELECT count(*) FROM items"), "1000");
  EXPECT_EQ(admin_->value("SELECT count(DISTINCT xmin::text) FROM items"), "1");
}

TEST_F(PgConnectionTest, StatementsSeeEarlierOnesOfTheirBatchAndReturnRows) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();
  BatchOutcome outcome;
  std::vector<std::string> labels;
  bool null_seen = false;
  ASSERT_TRUE(conn.begin(outcome.callback()));
  conn.execute(kInsertItem, PgParams().add(1).add("one"));
  conn.query("INSERT INTO items (id, label) VALUES ($1, $2)", PgParams().add(2).add("two"));
  conn.query("SELECT label, NULL::text AS nothing FROM items ORDER BY id", {},
             [&](const PgResult* r, const PgError* e) {
               ASSERT_EQ(e, nullptr);
               ASSERT_EQ(r->columns(), 2);
               EXPECT_EQ(r->column("nothing"), 1);
               for (int row = 0; row < r->rows(); ++row) labels.emplace_back(r->text(row, 0));
               null_seen = r->is_null(0, 1);
             });
  conn.commit();
  ASSERT_TRUE(loop.run_until([&] { return outcome.done; }));
  EXPECT_FALSE(outcome.failed) << outcome.error.message;
  EXPECT_EQ(labels, (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(null_seen);
}

TEST_F(PgConnectionTest, ParametersReachTheServerIntact) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();
  const unsigned char bytes[] = {0x00, 0xff, 0x10};
  PgParams params;
  params.add(int64_t{-9223372036854775807 - 1})
      .add(0.1)
      .add(std::nan(""))
      .add(-HUGE_VAL)
      .add(true)
      .add_null()
      .add_bytea(bytes, sizeof bytes)
      .add("it's \"quoted\" \\ and ünïcödé");
  std::vector<std::string> got;
  BatchOutcome outcome;
  ASSERT_TRUE(conn.begin(outcome.callback()));
  conn.query(
      "SELECT $1::bigint = -9223372036854775808, $2::float8 = 0.1::float8, "
      "$3::float8 = 'NaN'::float8, $4::float8 = '-Infinity'::float8, $5::boolean, $6::text IS "
      "NULL, $7::bytea = '\\x00ff10'::bytea, $8::text = E'it\\'s \"quoted\" \\\\ and ünïcödé'",
      params, [&](const PgResult* r, const PgError* e) {
        ASSERT_EQ(e, nullptr) << e->message;
        for (int c = 0; c < r->columns(); ++c) got.emplace_back(r->text(0, c));
      });
  conn.commit();
  ASSERT_TRUE(loop.run_until([&] { return outcome.done; }));
  ASSERT_FALSE(outcome.failed) << outcome.error.message;
  EXPECT_EQ(got, std::vector<std::string>(8, "t"));
}

TEST_F(PgConnectionTest, FailingStatementAbortsOnlyItsBatch) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();

  // Three batches in flight together; the middle one breaks the primary key.
  BatchOutcome a, b, c;
  std::vector<PgError> b_statement_errors;
  ASSERT_TRUE(conn.begin(a.callback()));
  conn.execute(kInsertItem, PgParams().add(1).add("a"));
  conn.execute(kInsertItem, PgParams().add(2).add("a"));
  conn.commit();
  ASSERT_TRUE(conn.begin(b.callback()));
  for (int id : {3, 1, 4}) {
    conn.execute(kInsertItem, PgParams().add(id).add("b"),
                 [&](const PgResult* r, const PgError* e) {
                   EXPECT_EQ(r, nullptr);
                   if (e) b_statement_errors.push_back(*e);
                 });
  }
  conn.commit();
  ASSERT_TRUE(conn.begin(c.callback()));
  conn.execute(kInsertItem, PgParams().add(5).add("c"));
  conn.commit();
  EXPECT_EQ(conn.pending_batches(), 3u);

  ASSERT_TRUE(loop.run_until([&] { return a.done && b.done && c.done; }));
  EXPECT_FALSE(a.failed) << a.error.message;
  EXPECT_FALSE(c.failed) << c.error.message;
  ASSERT_TRUE(b.failed);
  EXPECT_EQ(b.error.kind, PgError::Kind::kStatement);
  EXPECT_EQ(b.error.sqlstate, "23505");  // unique_violation
  EXPECT_EQ(b.error.statement, 1);
  EXPECT_NE(b.error.message.find("duplicate key"), std::string::npos) << b.error.message;
  ASSERT_EQ(b_statement_errors.size(), 3u);  // every statement of the batch hears of it
  for (const PgError& e : b_statement_errors) EXPECT_EQ(e.sqlstate, "23505");
  EXPECT_EQ(ids(), "1 2 5 ");  // 3, the statement before the failure, was rolled back too
  EXPECT_TRUE(conn.ready());
}

TEST_F(PgConnectionTest, FailureAtCommitFailsTheBatch) {
  admin_->exec("CREATE TABLE pairs (k integer UNIQUE DEFERRABLE INITIALLY DEFERRED)");
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();
  // Both inserts succeed; the deferred unique check fails when the Sync commits.
  BatchOutcome broken, next;
  int statement_errors = 0;
  ASSERT_TRUE(conn.begin(broken.callback()));
  for (int i = 0; i < 2; ++i) {
    conn.query("INSERT INTO pairs (k) VALUES (1)", {},
               [&](const PgResult*, const PgError* e) { statement_errors += e != nullptr; });
  }
  conn.commit();
  ASSERT_TRUE(conn.begin(next.callback()));
  conn.query("INSERT INTO pairs (k) VALUES (2)");
  conn.commit();
  ASSERT_TRUE(loop.run_until([&] { return broken.done && next.done; }));
  ASSERT_TRUE(broken.failed);
  EXPECT_EQ(broken.error.kind, PgError::Kind::kStatement);
  EXPECT_EQ(broken.error.sqlstate, "23505");
  EXPECT_EQ(broken.error.statement, -1);  // the commit, not a statement
  EXPECT_EQ(statement_errors, 2);
  EXPECT_FALSE(next.failed) << next.error.message;
  EXPECT_EQ(admin_->value("SELECT string_agg(k::text, ',') FROM pairs"), "2");
}

// The answers to a batch whose commit fails and to the batch after it can arrive in one read
// (a busy client, a fast server): the second must not wait for more bytes that never come.
TEST_F(PgConnectionTest, AFailedCommitAndTheNextBatchReadTogetherBothFinish) {
  admin_->exec("CREATE TABLE pairs (k integer UNIQUE DEFERRABLE INITIALLY DEFERRED)");
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();
  BatchOutcome broken, next;
  ASSERT_TRUE(conn.begin(broken.callback()));
  conn.query("INSERT INTO pairs (k) VALUES (1)");
  conn.query("INSERT INTO pairs (k) VALUES (1)");
  conn.commit();
  ASSERT_TRUE(conn.begin(next.callback()));
  conn.query("INSERT INTO pairs (k) VALUES (2)");
  conn.commit();
  // Both batches leave now (the reactor's clock is CLOCK_MONOTONIC in ms, as steady_clock),
  // and the server answers both before anything is read.
  conn.flush(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now().time_since_epoch())
                                       .count()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(loop.run_until([&] { return broken.done && next.done; }, 3000));
  EXPECT_TRUE(broken.failed);
  EXPECT_EQ(broken.error.sqlstate, "23505");
  EXPECT_FALSE(next.failed) << next.error.message;
}

TEST_F(PgConnectionTest, CallbacksMayBuildTheNextBatch) {
  PgLoop loop(options());
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  PgConnection& conn = loop.conn();
  BatchOutcome second;
  ASSERT_TRUE(conn.begin([&](const PgError* e) {
    ASSERT_EQ(e, nullptr);
    ASSERT_TRUE(conn.begin(second.callback()));
    conn.execute(kInsertItem, PgParams().add(2).add("second"));
    conn.commit();
  }));
  conn.execute(kInsertItem, PgParams().add(1).add("first"));
  conn.commit();
  ASSERT_TRUE(loop.run_until([&] { return second.done; }));
  EXPECT_FALSE(second.failed) << second.error.message;
  EXPECT_EQ(ids(), "1 2 ");
}

TEST(PgConnectionUrl, ValidUrlExplainsWhatIsWrong) {
  std::string error;
  EXPECT_TRUE(PgConnection::valid_url("postgres://u:p@127.0.0.1:5432/db", &error));
  EXPECT_FALSE(PgConnection::valid_url("postgres://u:p@127.0.0.1/db?no_such_option=1", &error));
  EXPECT_NE(error.find("no_such_option"), std::string::npos) << error;
  EXPECT_FALSE(PgConnection::valid_url("postgres://%zz@127.0.0.1/db", &error));
  EXPECT_NE(error.find("%zz"), std::string::npos) << error;
}

}  // namespace
}  // namespace ringside

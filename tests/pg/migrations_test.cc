// Schema migrations against a real PostgreSQL (tools/pg-env), each test in a fresh database.
#include "store/pg/migrations.h"

#include <gtest/gtest.h>

#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "tests/pg/pg_test_env.h"

namespace ringside {
namespace {

using pgtest::Admin;
using pgtest::ScratchDatabase;

TEST(Migrations, EmbeddedOnesAreInVersionOrder) {
  auto migrations = embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(migrations[0].version, 1);
  EXPECT_EQ(migrations[0].name, "0001_init");
  for (size_t i = 1; i < migrations.size(); ++i) {
    EXPECT_GT(migrations[i].version, migrations[i - 1].version);
  }
}

TEST(Migrations, ApplyingTwiceChangesNothingTheSecondTime) {
  ScratchDatabase db;
  MigrationReport first, second;
  std::string error;
  ASSERT_TRUE(apply_migrations(db.url(), embedded_migrations(), &first, &error)) << error;
  ASSERT_TRUE(apply_migrations(db.url(), embedded_migrations(), &second, &error)) << error;
  int latest = embedded_migrations().back().version;
  EXPECT_EQ(first.applied, static_cast<int>(embedded_migrations().size()));
  EXPECT_EQ(first.schema_version, latest);
  EXPECT_EQ(second.applied, 0);
  EXPECT_EQ(second.schema_version, latest);
}

TEST(Migrations, TwoNodesStartingAtOnceLeaveOneSchema) {
  ScratchDatabase db;
  constexpr int kNodes = 2;
  std::latch go(kNodes);
  MigrationReport reports[kNodes];
  std::string errors[kNodes];
  bool ok[kNodes] = {};
  std::vector<std::thread> nodes;
  nodes.reserve(kNodes);
  for (int n = 0; n < kNodes; ++n) {
    nodes.emplace_back([&, n] {
      go.arrive_and_wait();
      ok[n] = apply_migrations(db.url(), embedded_migrations(), &reports[n], &errors[n]);
    });
  }
  for (auto& t : nodes) t.join();
  for (int n = 0; n < kNodes; ++n) ASSERT_TRUE(ok[n]) << errors[n];
  // One node did the work, the other found it done.
  int total = static_cast<int>(embedded_migrations().size());
  EXPECT_EQ(reports[0].applied + reports[1].applied, total);
  EXPECT_TRUE(reports[0].applied == 0 || reports[1].applied == 0);
  Admin admin(db.url());
  EXPECT_EQ(admin.value("SELECT count(*) FROM schema_migrations"), std::to_string(total));
  EXPECT_EQ(admin.value("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                        "tablename IN ('players', 'token_sessions', 'save_slots', 'sessions', "
                        "'game_profiles', 'catalog')"),
            "6");
}

TEST(Migrations, FailedMigrationIsRolledBackAndRetriedLater) {
  ScratchDatabase db;
  std::string error;
  MigrationReport report;
  const Migration broken[] = {
      {1, "0001_a", "CREATE TABLE a (x integer);"},
      {2, "0002_b", "CREATE TABLE b (x integer); INSERT INTO b VALUES (1 / 0);"},
  };
  EXPECT_FALSE(apply_migrations(db.url(), broken, &report, &error));
  EXPECT_NE(error.find("0002_b"), std::string::npos) << error;
  EXPECT_NE(error.find("division by zero"), std::string::npos) << error;
  Admin admin(db.url());
  EXPECT_EQ(admin.value("SELECT string_agg(name, ',') FROM schema_migrations"), "0001_a");
  EXPECT_EQ(admin.value("SELECT to_regclass('b') IS NULL"), "t");

  const Migration fixed[] = {
      broken[0],
      {2, "0002_b", "CREATE TABLE b (x integer); INSERT INTO b VALUES (1);"},
  };
  ASSERT_TRUE(apply_migrations(db.url(), fixed, &report, &error)) << error;
  EXPECT_EQ(report.applied, 1);
  EXPECT_EQ(report.schema_version, 2);
  EXPECT_EQ(admin.value("SELECT count(*) FROM b"), "1");
}

TEST(Migrations, AppliedMigrationThatChangedIsRefused) {
  ScratchDatabase db;
  std::string error;
  MigrationReport report;
  const Migration original[] = {{1, "0001_a", "CREATE TABLE a (x integer);"}};
  ASSERT_TRUE(apply_migrations(db.url(), original, &report, &error)) << error;
  const Migration edited[] = {{1, "0001_a", "CREATE TABLE a (x bigint);"}};
  EXPECT_FALSE(apply_migrations(db.url(), edited, &report, &error));
  EXPECT_NE(error.find("changed"), std::string::npos) << error;
}

TEST(Migrations, NewerDatabaseIsAcceptedAndReported) {
  ScratchDatabase db;
  std::string error;
  MigrationReport report;
  const Migration newer[] = {{1, "0001_a", "SELECT 1;"}, {2, "0002_b", "SELECT 2;"}};
  ASSERT_TRUE(apply_migrations(db.url(), newer, &report, &error)) << error;
  ASSERT_TRUE(apply_migrations(db.url(), std::span(newer, 1), &report, &error)) << error;
  EXPECT_EQ(report.applied, 0);
  EXPECT_EQ(report.schema_version, 2);
}

TEST(Migrations, UnreachableDatabaseIsAnError) {
  std::string error;
  MigrationReport report;
  std::string url = pgtest::url_for_database(pgtest::cluster_url(), "no_such_database");
  EXPECT_FALSE(apply_migrations(url, embedded_migrations(), &report, &error));
  EXPECT_NE(error.find("no_such_database"), std::string::npos) << error;
}

// Rows written before 0004 recorded a server only for a session that ran, billed from its
// launch: 0004 gives those running_at = started_at, so the loader reads running_at alone.
TEST(Migrations, RunningAtIsBackfilledForRowsThatRanBefore0004) {
  ScratchDatabase db;
  MigrationReport report;
  std::string error;
  const auto all = embedded_migrations();
  ASSERT_EQ(all[3].name, "0004_running_at");
  ASSERT_TRUE(apply_migrations(db.url(), all.first(3), &report, &error)) << error;
  Admin admin(db.url());
  admin.exec("INSERT INTO players (id, shard) VALUES ('alice', 0), ('bob', 0)");
  // id, player, status, server, ended_at, end_reason
  for (const char* row :
       {"'ran', 'alice', 'stopped', 'sim-0', '2025-03-09T11:00:00Z', 'stopped'",
        "'never-ran', 'alice', 'stopped', NULL, '2025-03-09T11:00:00Z', 'stopped'",
        "'runs', 'alice', 'running', 'sim-1', NULL, NULL",
        "'queued', 'bob', 'starting', NULL, NULL, NULL"}) {
    admin.exec(
        std::string("INSERT INTO sessions (id, player_id, status, server, ended_at, "
                    "end_reason, shard, game_slug, started_at, last_keepalive_at) VALUES (") +
        row + ", 0, 'tlon-uqbar', '2025-03-09T10:00:00Z', '2025-03-09T10:00:00Z')");
  }
  ASSERT_TRUE(apply_migrations(db.url(), all, &report, &error)) << error;
  EXPECT_EQ(admin.value("SELECT string_agg(id || '=' || COALESCE(to_char(running_at AT TIME ZONE "
                        "'UTC', 'HH24:MI'), '-'), ',' ORDER BY id) FROM sessions"),
            "never-ran=-,queued=-,ran=10:00,runs=10:00");
}

// The schema holds the rules the in-memory stores hold, for a second node or a bug.
class InitialSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pgtest::apply_all_migrations(db_.url()));
    admin_.exec("INSERT INTO players (id, shard) VALUES ('alice', 3)");
  }
  // Runs a statement that must fail; returns its SQLSTATE.
  std::string sqlstate_of(const std::string& sql) {
    PGconn* conn = PQconnectdb(db_.url().c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string out = state ? state : "";
    PQclear(r);
    PQfinish(conn);
    return out;
  }
  static std::string session(const std::string& id, const std::string& status,
                             const std::string& ended) {
    std::string end_reason = ended == "NULL" ? "NULL" : "'stopped'";
    return "INSERT INTO sessions (id, player_id, shard, game_slug, status, started_at, "
           "last_keepalive_at, ended_at, end_reason) VALUES ('" +
           id + "', 'alice', 3, 'tlon-uqbar', '" + status +
           "', '2025-03-09T10:00:00Z', '2025-03-09T10:00:00Z', " + ended + ", " + end_reason + ")";
  }

  ScratchDatabase db_;
  Admin admin_{db_.url()};
};

TEST_F(InitialSchema, OneActiveSessionPerPlayer) {
  admin_.exec(session("s1", "running", "NULL"));
  EXPECT_EQ(sqlstate_of(session("s2", "starting", "NULL")), "23505");
  admin_.exec(session("s3", "stopped", "'2025-03-09T11:00:00Z'"));
  admin_.exec(session("s4", "stopped", "'2025-03-09T12:00:00Z'"));
}

TEST_F(InitialSchema, HistoryComesNewestFirst) {
  admin_.exec(session("s1", "stopped", "'2025-03-09T11:00:00Z'"));
  admin_.exec(session("s2", "stopped", "'2025-03-09T13:00:00Z'"));
  admin_.exec(session("s3", "stopped", "'2025-03-09T12:00:00Z'"));
  admin_.exec(session("s4", "running", "NULL"));
  EXPECT_EQ(admin_.value("SELECT string_agg(id, ',') FROM (SELECT id FROM sessions WHERE "
                         "player_id = 'alice' AND ended_at IS NOT NULL ORDER BY ended_at DESC "
                         "LIMIT 10) h"),
            "s2,s3,s1");
}

TEST_F(InitialSchema, TakesWhatTheStoresWrite) {
  admin_.exec(
      "INSERT INTO token_sessions (seed, player_id, shard, game_slug, generation, token_hash, "
      "previous_hash, previous_dead_at, expires_at) VALUES (substring(sha256('seed') for 16), "
      "'alice', 3, 'tlon-uqbar', 1, sha256('t1'), sha256('t0'), now(), now() + interval '1h')");
  admin_.exec(
      "INSERT INTO save_slots (id, player_id, shard, game_slug, created_at, updated_at, "
      "size_bytes) VALUES ('v1', 'alice', 3, 'tlon-uqbar', now(), now(), 4096)");
  admin_.exec(
      "INSERT INTO sessions (id, player_id, shard, game_slug, save_slot_id, status, phase, "
      "started_at, last_keepalive_at) VALUES ('s1', 'alice', 3, 'tlon-uqbar', 'v1', "
      "'starting', 'queued', now(), now())");
  admin_.exec(
      "UPDATE sessions SET status = 'stopped', phase = NULL, ended_at = now(), end_reason = "
      "'stopped', cpu_seconds = 12.5, peak_memory_mb = NULL WHERE id = 's1'");
  admin_.exec(
      "INSERT INTO game_profiles (game_slug, cpu_cores, memory_mb, cpu_samples, "
      "memory_samples) VALUES ('tlon-uqbar', 0.8, 900, 1, 0)");
  admin_.exec(
      "INSERT INTO catalog (slug, title, image, size_mb) VALUES ('tlon-uqbar', "
      "'Tlön, Uqbar', 'registry/tlon:1', 512)");
  EXPECT_EQ(admin_.value("SELECT count(*) FROM players p JOIN token_sessions t ON t.player_id = "
                         "p.id JOIN save_slots v ON v.player_id = p.id JOIN sessions s ON "
                         "s.save_slot_id = v.id WHERE p.shard = 3"),
            "1");
}

TEST_F(InitialSchema, RejectsInconsistentRows) {
  EXPECT_EQ(sqlstate_of(session("s1", "paused", "NULL")), "23514");   // unknown status
  EXPECT_EQ(sqlstate_of(session("s1", "stopped", "NULL")), "23514");  // ended without a time
  EXPECT_EQ(sqlstate_of("INSERT INTO sessions (id, player_id, shard, game_slug, status, "
                        "started_at, last_keepalive_at) VALUES ('s9', 'bob', 0, 'g', "
                        "'running', now(), now())"),
            "23503");  // unknown player
  EXPECT_EQ(sqlstate_of("INSERT INTO token_sessions (seed, player_id, shard, generation, "
                        "token_hash, expires_at) VALUES ('\\x00', 'alice', 3, 0, "
                        "'\\x00', now())"),
            "23514");  // a seed or hash of the wrong size
  EXPECT_EQ(sqlstate_of("INSERT INTO catalog (slug, title, image, size_mb) VALUES "
                        "('Bad Slug', 't', 'i', 1)"),
            "23514");
  admin_.exec(session("s2", "running", "NULL"));
  EXPECT_EQ(sqlstate_of("UPDATE sessions SET running_at = '2025-03-09T09:59:59Z' WHERE id = "
                        "'s2'"),
            "23514");  // running before its launch (0004)
  admin_.exec("UPDATE sessions SET running_at = '2025-03-09T10:00:05Z' WHERE id = 's2'");
}

}  // namespace
}  // namespace ringside

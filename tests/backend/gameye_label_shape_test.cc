// Gameye shows labels in two shapes (docs/gameye-backend.md): the flat map the launch sent, or
// {"env": "<JSON text>", "tags": "<JSON text of the labels>"} as in Gameye's own examples. Every
// reader of them — the 409 lookup, recovery, the liveness check — is run against both.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "backend/gameye_fixture.h"

namespace ringside::gameye_test {
namespace {

class GameyeLabelShapeTest : public GameyeBackendTest,
                             public ::testing::WithParamInterface<std::string> {
 protected:
  ::testing::AssertionResult start_standin(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args = {"--token",        std::string(kToken), "--locations",
                                     "europe,us-east", "--label-shape",     GetParam()};
    args.insert(args.end(), extra.begin(), extra.end());
    return standin_.start(args);
  }
};

INSTANTIATE_TEST_SUITE_P(Shapes, GameyeLabelShapeTest, ::testing::Values("tagged", "flat"));

// A POST whose answer is lost started the session: the retry's 409 is this session's own
// launch, found by GET /session/{id}. Before both shapes were read, the tagged one ended the
// launch start_failed (gameye_id_conflict) and left the session running for the liveness
// check to delete as an orphan.
TEST_P(GameyeLabelShapeTest, RetryAfterATimeoutFindsItsOwnStartedSession) {
  ASSERT_TRUE(start_standin({"--hang-first", "1"}));
  GameyeOptions o = options();
  o.timeout_ms = 300;
  o.liveness_ms = 100;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id)) << events_.describe();
  EXPECT_EQ(posts("409"), 1u);
  ASSERT_TRUE(backend->endpoint(s.id));
  // Later checks keep it: neither lost nor taken for an orphan.
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

// After a restart the sessions of the store are found in the fleet's listing by their label.
TEST_P(GameyeLabelShapeTest, RecoveryAdoptsItsSessionsByLabel) {
  ASSERT_TRUE(start_standin());
  TestSession kept;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, kept));
  }
  auto after = make(options());
  after->recover({kept.recovered(true)});
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.count(RecordedEvent::kRunning, kept.id) == 2; }));
  EXPECT_FALSE(events_.lost(kept.id));
  ASSERT_TRUE(after->endpoint(kept.id));
  EXPECT_GE(after->endpoint(kept.id)->port, 20000);
  // Not an orphan either: still running, never deleted.
  EXPECT_EQ(deletes("204"), 0u);
  EXPECT_EQ(status_at_gameye(kept), "running");
}

// Launches in flight when ringside died (its store says starting, with no server): those
// Gameye runs, or still starts, are adopted where Gameye has them, by their labels; the rest
// fail. Nothing is deleted as an orphan.
TEST_P(GameyeLabelShapeTest, RecoveryAdoptsStartsCutShortThatGameyeRunsOrStillStarts) {
  // Every start takes 2 s; the first POST is never answered (its session starts all the same).
  ASSERT_TRUE(start_standin({"--hang-first", "1", "--start-delay-ms", "2000"}));
  TestSession ran, starting, never_sent;
  {
    GameyeOptions patient = options();
    patient.timeout_ms = 60'000;  // no retry (409) finds the hung launch's session
    auto before = make(patient);
    PlacedSession in_us_east = ran.spec();
    in_us_east.server = 1;
    before->start(in_us_east);
    ASSERT_TRUE(eventually([&] { return sessions("running") == 1; }));
    before->start(starting.spec());
    ASSERT_TRUE(eventually([&] { return sessions("starting") == 1; }));
    EXPECT_FALSE(events_.settled(ran.id));
    EXPECT_FALSE(events_.settled(starting.id));
  }  // ringside dies with both launches in flight
  auto after = make(options());
  after->recover({ran.recovered(false), starting.recovered(false), never_sent.recovered(false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.has_running(ran.id); }));
  // Found running in us-east: placement hears where, then that it runs.
  EXPECT_EQ(events_.relocations(ran.id), std::vector<uint32_t>{1});
  ASSERT_TRUE(after->endpoint(ran.id));
  EXPECT_GE(after->endpoint(ran.id)->port, 20000);
  // Still starting at Gameye (listed "created"): not running yet, but not given up.
  EXPECT_FALSE(events_.settled(starting.id));
  EXPECT_EQ(events_.relocations(starting.id), std::vector<uint32_t>{0});
  EXPECT_EQ(events_.start_failed(never_sent.id), SessionError::kStartFailed);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(starting.id); }));
  EXPECT_TRUE(events_.has_running(starting.id)) << events_.describe();
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, starting.id), 1u);
  ASSERT_TRUE(after->endpoint(starting.id));
  EXPECT_EQ(status_at_gameye(ran), "running");
  EXPECT_EQ(status_at_gameye(starting), "running");
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(after->session_count(), 2u);
  // Adopted starts stop as any session.
  after->stop(starting.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(starting.id).has_value(); }));
  EXPECT_EQ(status_at_gameye(starting), "exited");
}

// Adopted unverified (the listing failed at recovery) under its first id while it really runs
// under the next (its first start failed): the liveness check finds it by its label and takes
// Gameye's id, instead of losing it and deleting it as an orphan.
TEST_P(GameyeLabelShapeTest, LivenessFindsASessionUnderAnotherIdByItsLabel) {
  ASSERT_TRUE(start_standin({"--fail-first", "1", "--list-unavailable-first", "2"}));
  TestSession s;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, s));
  }
  ASSERT_EQ(status_at_gameye(s), "dead");  // attempt 0 failed; it runs as attempt 1
  GameyeOptions o = options();
  o.retries = 1;  // the recovery listing and its retry fail: adopted unverified
  o.liveness_ms = 100;
  auto after = make(o);
  after->recover({s.recovered(true)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.count(RecordedEvent::kRunning, s.id) == 2; }));
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 3; }));
  EXPECT_FALSE(events_.lost(s.id)) << events_.describe();
  EXPECT_EQ(deletes("204"), 0u);
  simdjson::dom::element attempt1 = get("/session/" + s.uuid(1));
  EXPECT_EQ(std::string_view(attempt1["status"]), "running");
  // The stop reaches the session Gameye runs.
  after->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  EXPECT_EQ(std::string_view(get("/session/" + s.uuid(1))["status"]), "exited");
}

// Cluster mode: every node shares the fleet, and a node takes for an orphan only what runs for
// a player of a partition it serves (the player label, read from either shape). A partition
// acquired later is recovered then: its store's session adopted, its other sessions orphans.
TEST_P(GameyeLabelShapeTest, OnlySessionsOfServedPartitionsAreTakenForOrphans) {
  ASSERT_TRUE(start_standin());
  TestSession orphan;     // in a served partition, unknown to its store: deleted
  TestSession elsewhere;  // in a partition another node serves: left alone
  elsewhere.player = player_in_another_partition(orphan.player);
  TestSession acquired;  // in that partition too, in its store: adopted once it is acquired
  acquired.player = elsewhere.player;
  {
    auto before = make(options());
    for (const TestSession* s : {&orphan, &elsewhere, &acquired}) ASSERT_TRUE(run(*before, *s));
  }
  std::set<uint16_t> served = {partition_of_player(orphan.player)};
  GameyeOptions o = options();
  o.liveness_ms = 100;
  auto node = make(o);
  node->set_serves([&served](uint16_t partition) { return served.count(partition) != 0; });
  node->recover({});
  ASSERT_TRUE(eventually([&] { return status_at_gameye(orphan) == "exited"; }));
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 3; }));
  EXPECT_EQ(status_at_gameye(elsewhere), "running");
  EXPECT_EQ(status_at_gameye(acquired), "running");
  EXPECT_EQ(deletes("204"), 1u);

  served.insert(partition_of_player(acquired.player));
  node->recover({acquired.recovered(true)});
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.count(RecordedEvent::kRunning, acquired.id) == 2; }));
  ASSERT_TRUE(eventually([&] { return status_at_gameye(elsewhere) == "exited"; }));
  EXPECT_EQ(status_at_gameye(acquired), "running");
  EXPECT_FALSE(events_.lost(acquired.id));
  EXPECT_EQ(deletes("204"), 2u);
}

}  // namespace
}  // namespace ringside::gameye_test

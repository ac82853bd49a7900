// The Gameye backend in a cluster (docs/gameye-backend.md, "Several nodes"), against the
// stand-in: forget() leaves a session running for the partition's next owner, and recover()
// comes once per partition acquired, also while an earlier recovery's listing is under way; an
// owed DELETE goes with its partition, and stays owed when its label names none.
// Orphan judging by partition is in gameye_label_shape_test.cc (it reads the player label).
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>

#include "backend/gameye_fixture.h"

namespace ringside::gameye_test {
namespace {

// The node loses the partition: its sessions are forgotten whatever they were doing — running,
// launching (POST unanswered), stopping (a DELETE retry armed). Nothing is reported for them,
// nothing is sent for them, and the liveness checks that follow take none of them for an
// orphan: they run on at Gameye for the next owner.
TEST_F(GameyeBackendTest, ForgottenSessionsRunOnWithoutADeleteOrAnEvent) {
  ASSERT_TRUE(start_standin({"--hang-first", "1", "--delete-unavailable-first", "1"}));
  bool served = true;
  GameyeOptions o = options();
  o.liveness_ms = 100;
  o.timeout_ms = 10'000;  // the hung launch is forgotten long before it times out
  o.retry_base_ms = 400;  // the stop's DELETE retry is still armed when it is forgotten
  o.retry_cap_ms = 800;
  auto node = make(o);
  node->set_serves([&served](uint16_t) { return served; });
  TestSession launching, running, stopping;
  node->start(launching.spec());
  ASSERT_TRUE(eventually([&] { return posts("hung") == 1; }));
  ASSERT_TRUE(run(*node, running));
  ASSERT_TRUE(run(*node, stopping));
  node->stop(stopping.id);
  ASSERT_TRUE(eventually([&] { return deletes("503") == 1; }));
  const size_t reported = events_.events.size();

  served = false;
  for (const TestSession* s : {&launching, &running, &stopping}) node->forget(s->id);
  EXPECT_EQ(node->session_count(), 0u);
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 3; }));
  driver_.run_for(std::chrono::milliseconds(o.retry_cap_ms));  // past any retry once armed
  EXPECT_EQ(events_.events.size(), reported) << events_.describe();
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(deletes("503"), 1u);
  EXPECT_EQ(launches_of(launching.uuid()), 1u);
  for (const TestSession* s : {&launching, &running, &stopping}) {
    EXPECT_EQ(status_at_gameye(*s), "running") << s->text;
  }
  EXPECT_EQ(node->owed_delete_count(), 0u);
}

// A partition lost while its recovery's listing is under way: the session it was to adopt is
// never reported, nor deleted.
TEST_F(GameyeBackendTest, ForgettingASessionWaitingForRecoveryReportsNothing) {
  ASSERT_TRUE(start_standin({"--list-delay-ms", "300"}));
  TestSession s;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, s));
  }
  bool served = true;
  auto node = make(options());
  node->set_serves([&served](uint16_t) { return served; });
  node->recover({s.recovered(true)});
  ASSERT_TRUE(eventually([&] { return listings("delayed") == 1; }));
  const size_t reported = events_.events.size();
  served = false;
  node->forget(s.id);
  ASSERT_TRUE(eventually([&] { return listings("200") == 1; }));
  driver_.run_for(std::chrono::milliseconds(100));
  EXPECT_EQ(events_.events.size(), reported) << events_.describe();
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(node->session_count(), 0u);
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

// A DELETE owed for a stopped session is not resent once its partition is served elsewhere:
// the partition's owner judges what runs there now (an orphan if its store has the stop).
TEST_F(GameyeBackendTest, AnOwedDeleteIsHandedOverWithItsPartition) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  bool served = true;
  GameyeOptions o = options();
  o.liveness_ms = 0;
  o.owed_check_ms = 200;
  o.retries = 1;  // a stop: a DELETE and one retry, both 503: owed
  auto node = make(o);
  node->set_serves([&served](uint16_t) { return served; });
  TestSession s;
  ASSERT_TRUE(run(*node, s));
  node->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  ASSERT_EQ(node->owed_delete_count(), 1u);
  ASSERT_EQ(deletes("503"), 2u);
  served = false;
  ASSERT_TRUE(eventually([&] { return node->owed_delete_count() == 0; }));
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
  const uint64_t checked = listings("200");
  driver_.run_for(std::chrono::milliseconds(3 * o.owed_check_ms));
  EXPECT_EQ(listings("200"), checked);  // nothing owed: no more listings
  EXPECT_EQ(deletes("503"), 2u);
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

// A DELETE owed for a session whose ringside.player label is missing (or unreadable) names no
// partition, so no other node would ever delete it: it stays owed on the node that launched
// it, and is sent again until Gameye shows the session gone. It was once dropped as "handed
// over", leaving the session running (and billing) with no one to delete it.
TEST_F(GameyeBackendTest, AnOwedDeleteWithoutAPlayerLabelStaysOwedUntilGameyeHasIt) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  GameyeOptions o = options();
  o.liveness_ms = 0;
  o.owed_check_ms = 200;
  o.retries = 1;  // a stop: a DELETE and one retry, both 503: owed
  auto node = make(o);
  node->set_serves([](uint16_t) { return true; });  // a cluster node, serving every partition
  TestSession s;
  s.player.clear();
  ASSERT_TRUE(run(*node, s));
  node->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  ASSERT_EQ(node->owed_delete_count(), 1u);
  ASSERT_EQ(deletes("503"), 2u);
  // The first resend meets the third 503; the next one deletes it.
  ASSERT_TRUE(eventually([&] { return status_at_gameye(s) == "exited"; })) << status_at_gameye(s);
  EXPECT_EQ(deletes("503"), 3u);
  EXPECT_EQ(deletes("204"), 1u);
  ASSERT_TRUE(eventually([&] { return node->owed_delete_count() == 0; }));
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
}

// A node takes its partitions one at a time: recover() for the second comes after starts and
// while the first one's listing is under way. Each batch is judged by a listing asked for after
// it came, and neither batch's sessions are taken for orphans by the other's listing.
TEST_F(GameyeBackendTest, RecoverCalledAgainDuringAListingAdoptsBothBatches) {
  ASSERT_TRUE(start_standin({"--list-delay-ms", "300"}));
  TestSession first, second;
  second.player = player_in_another_partition(first.player);
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, first));
    ASSERT_TRUE(run(*before, second));
  }
  std::set<uint16_t> served = {partition_of_player(first.player)};
  GameyeOptions o = options();
  o.liveness_ms = 0;  // only recovery lists
  auto node = make(o);
  node->set_serves([&served](uint16_t partition) { return served.count(partition) != 0; });
  TestSession started_before, started_during;
  ASSERT_TRUE(run(*node, started_before));
  node->recover({first.recovered(true)});
  ASSERT_TRUE(eventually([&] { return listings("delayed") == 1; }));
  node->start(started_during.spec());
  served.insert(partition_of_player(second.player));
  node->recover({second.recovered(true)});
  ASSERT_TRUE(driver_.run_until([&] {
    return events_.count(RecordedEvent::kRunning, first.id) == 2 &&
           events_.count(RecordedEvent::kRunning, second.id) == 2 &&
           events_.has_running(started_during.id);
  }));
  // The second batch waited for a listing of its own.
  EXPECT_EQ(listings("200"), 2u);
  EXPECT_FALSE(events_.lost(first.id));
  EXPECT_FALSE(events_.lost(second.id));
  EXPECT_EQ(node->session_count(), 4u);
  ASSERT_TRUE(node->endpoint(first.id));
  ASSERT_TRUE(node->endpoint(second.id));
  EXPECT_EQ(deletes("204") + deletes("404") + deletes("409"), 0u);
  for (const TestSession* s : {&first, &second, &started_before, &started_during}) {
    EXPECT_EQ(status_at_gameye(*s), "running") << s->text;
  }
  // Adopted in either batch, they stop as any session.
  node->stop(second.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(second.id).has_value(); }));
  EXPECT_EQ(status_at_gameye(second), "exited");
}

}  // namespace
}  // namespace ringside::gameye_test

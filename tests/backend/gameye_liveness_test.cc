// The Gameye backend's periodic liveness check (GameyeOptions::liveness_ms) against the
// stand-in: sessions that die are lost, failed listings lose nothing, owed DELETEs are sent
// again, orphans of the fleet are deleted.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "backend/gameye_fixture.h"

namespace ringside::gameye_test {
namespace {

TEST_F(GameyeBackendTest, RunningSessionsThatDieAreLostWithinTheInterval) {
  ASSERT_TRUE(start_standin());
  GameyeOptions o = options();
  o.liveness_ms = 300;
  auto backend = make(o);
  TestSession dead, exited, vanished, unreachable, alive;
  for (const TestSession* s : {&dead, &exited, &vanished, &unreachable, &alive}) {
    ASSERT_TRUE(run(*backend, *s));
  }
  ASSERT_EQ(befall(dead.uuid(), "dead"), 204);
  ASSERT_EQ(befall(exited.uuid(), "exited"), 204);
  ASSERT_EQ(befall(vanished.uuid(), "vanished"), 204);  // not listed at all any more
  ASSERT_EQ(befall(unreachable.uuid(), "server_unreachable"), 204);
  const auto died = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] {
    return events_.lost(dead.id) && events_.lost(exited.id) && events_.lost(vanished.id) &&
           events_.lost(unreachable.id);
  }));
  // Dead and exited: the next check. Vanished and unreachable: two checks in a row
  // (kDoubtsBeforeLost). Plus the listings' own time (generous on a busy machine).
  EXPECT_LT(std::chrono::steady_clock::now() - died,
            std::chrono::milliseconds(2 * o.liveness_ms + 700));
  for (const TestSession* s : {&dead, &exited, &vanished, &unreachable}) {
    EXPECT_EQ(events_.lost(s->id), SessionError::kContainerLost) << s->text;
    EXPECT_EQ(events_.count(RecordedEvent::kLost, s->id), 1u);
  }
  EXPECT_FALSE(events_.lost(alive.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_FALSE(backend->endpoint(unreachable.id));
  // The unreachable one may come back (and bill): it is deleted. Nothing else is.
  ASSERT_TRUE(eventually([&] { return sessions("unreachable") == 0; }));
  EXPECT_EQ(status_at_gameye(unreachable), "exited");
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(status_at_gameye(alive), "running");
  // Later checks change nothing.
  const uint64_t checked = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= checked + 2; }));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_FALSE(events_.lost(alive.id));
}

TEST_F(GameyeBackendTest, FailedListingsLoseNothing) {
  ASSERT_TRUE(start_standin({"--list-unavailable-first", "8"}));
  GameyeOptions o = options();
  o.liveness_ms = 100;
  o.retries = 1;  // each check: a listing and one retry
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  ASSERT_EQ(befall(s.uuid(), "vanished"), 204);
  // Four checks fail (503 twice each): the session is gone, but nothing says so.
  ASSERT_TRUE(eventually([&] { return listings("503") == 8; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(listings("200"), 0u);
  // The first two listings that come judge it (a failed one breaks no run of doubts: it
  // says nothing).
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(s.id).has_value(); }));
  EXPECT_EQ(events_.lost(s.id), SessionError::kContainerLost);
  EXPECT_GE(listings("200"), 2u);
}

TEST_F(GameyeBackendTest, ASessionUnreachableForOneListingIsNotLost) {
  ASSERT_TRUE(start_standin());
  GameyeOptions o = options();
  o.liveness_ms = 300;
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  const uint64_t before = listings("200");
  ASSERT_EQ(befall(s.uuid(), "server_unreachable"), 204);
  // One listing sees its machine unreachable; then the machine is back.
  ASSERT_TRUE(eventually([&] { return listings("200") == before + 1; }));
  ASSERT_EQ(befall(s.uuid(), "running"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") >= before + 3; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(status_at_gameye(s), "running");
  // A blip later is again one doubt, not the second of a run.
  const uint64_t later = listings("200");
  ASSERT_EQ(befall(s.uuid(), "server_unreachable"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") == later + 1; }));
  ASSERT_EQ(befall(s.uuid(), "running"), 204);
  ASSERT_TRUE(eventually([&] { return listings("200") >= later + 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
}

TEST_F(GameyeBackendTest, SessionLaunchedDuringAListingIsNotJudgedByIt) {
  // Listings tell what Gameye held when they arrived, half a second late.
  ASSERT_TRUE(start_standin({"--list-delay-ms", "500"}));
  GameyeOptions o = options();
  o.liveness_ms = 50;
  auto backend = make(o);
  ASSERT_TRUE(eventually([&] { return listings("delayed") == 1; }));
  TestSession s;  // launched after that listing was taken: it is not in it
  ASSERT_TRUE(run(*backend, s));
  ASSERT_EQ(listings("200"), 0u) << "the listing came back before the launch ran";
  // The listing without it comes back, then one taken while it ran.
  ASSERT_TRUE(eventually([&] { return listings("200") >= 2; }));
  EXPECT_FALSE(events_.lost(s.id));
  EXPECT_EQ(events_.count(RecordedEvent::kRunning, s.id), 1u);
  EXPECT_EQ(backend->session_count(), 1u);
  EXPECT_EQ(deletes("204"), 0u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

TEST_F(GameyeBackendTest, LaunchInFlightIsNeverTakenForAnOrphan) {
  // Gameye lists the session (created) long before the POST is answered.
  ASSERT_TRUE(start_standin({"--start-delay-ms", "800"}));
  GameyeOptions o = options();
  o.liveness_ms = 50;
  auto backend = make(o);
  TestSession s;
  backend->start(s.spec());
  ASSERT_TRUE(eventually([&] { return sessions("starting") == 1; }));
  const uint64_t before = listings("200");
  ASSERT_TRUE(eventually([&] { return listings("200") >= before + 3; }));
  EXPECT_FALSE(events_.settled(s.id));  // still launching through those checks
  ASSERT_TRUE(settle(s));
  EXPECT_TRUE(events_.has_running(s.id));
  EXPECT_EQ(deletes("204") + deletes("409") + deletes("404"), 0u);
  EXPECT_EQ(launches_of(s.uuid()), 1u);
  EXPECT_EQ(status_at_gameye(s), "running");
}

TEST_F(GameyeBackendTest, OwedDeleteIsSentAgainUntilGameyeShowsItGone) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  GameyeOptions o = options();
  o.liveness_ms = 200;
  o.retries = 1;  // a stop: a DELETE and one retry
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  // Reported stopped (the player is done with it), but Gameye still runs it: owed, and
  // counted for /metrics.
  EXPECT_EQ(deletes("503"), 2u);
  EXPECT_EQ(backend->owed_delete_count(), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 1u);
  EXPECT_EQ(sessions("running"), 1u);
  // The checks send it again (the first resend meets the third 503) until it is gone.
  ASSERT_TRUE(
      eventually([&] { return sessions("running") == 0 && backend->owed_delete_count() == 0; }));
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
  EXPECT_EQ(deletes("503"), 3u);
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(status_at_gameye(s), "exited");
  EXPECT_EQ(events_.count(RecordedEvent::kStopped, s.id), 1u);
  EXPECT_FALSE(events_.lost(s.id));
}

// With the periodic check off, a failed DELETE is owed all the same: the listing is read for
// it alone (every owed_check_ms) until Gameye confirms, and no more once the debt is settled.
TEST_F(GameyeBackendTest, WithoutLivenessChecksAnOwedDeleteIsStillSentUntilConfirmed) {
  ASSERT_TRUE(start_standin({"--delete-unavailable-first", "3"}));
  GameyeOptions o = options();
  o.liveness_ms = 0;
  o.owed_check_ms = 200;
  o.retries = 1;
  auto backend = make(o);
  TestSession s;
  ASSERT_TRUE(run(*backend, s));
  backend->stop(s.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(s.id).has_value(); }));
  EXPECT_EQ(backend->owed_delete_count(), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 1u);
  EXPECT_EQ(sessions("running"), 1u);
  ASSERT_TRUE(
      eventually([&] { return sessions("running") == 0 && backend->owed_delete_count() == 0; }));
  EXPECT_EQ(deletes("204"), 1u);
  EXPECT_EQ(metrics_.gameye_deletes_owed.get(), 0u);
  driver_.run_for(std::chrono::milliseconds(300));  // a check armed before it settled
  const size_t listed = listings("200");
  driver_.run_for(std::chrono::milliseconds(600));
  EXPECT_EQ(listings("200"), listed);  // nothing owed: no more listings
}

TEST_F(GameyeBackendTest, LivenessCheckDeletesOrphansOfItsFleetOnly) {
  ASSERT_TRUE(start_standin());
  TestSession orphan, foreign, own;
  {
    auto before = make(options());
    ASSERT_TRUE(run(*before, orphan));
  }  // gone without recovery (no store): its session runs on
  GameyeOptions foreign_options = options();
  foreign_options.fleet = "another-deployment";
  auto stranger = make(foreign_options);
  ASSERT_TRUE(run(*stranger, foreign));
  GameyeOptions o = options();
  o.liveness_ms = 100;
  auto backend = make(o);
  ASSERT_TRUE(run(*backend, own));
  ASSERT_TRUE(eventually([&] { return status_at_gameye(orphan) == "exited"; }));
  EXPECT_EQ(status_at_gameye(foreign), "running");
  EXPECT_EQ(status_at_gameye(own), "running");
  EXPECT_EQ(deletes("204"), 1u);
}

}  // namespace
}  // namespace ringside::gameye_test

// The Docker backend on an engine shared with other nodes (cluster mode), against a scripted
// engine that holds names as a real one does: containers named by their engine slot, a 409 for
// a name in use, no room reported back to placement, foreign use counted, orphans judged only
// by the node that serves their partition, recover() called more than once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <string>

#include "backend/docker_scripted_fixture.h"
#include "model/partition.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

std::string session_text() { return id_to_string(IdKind::kSession, IdOwner{}, random_id128()); }

// A player whose partition is not `other`'s.
std::string player_not_in_partition_of(const std::string& other) {
  for (int i = 0;; ++i) {
    std::string p = "p-" + std::to_string(i);
    if (partition_of_player(p) != partition_of_player(other)) return p;
  }
}

// One line of the event stream: `action` of container `id` named `name`, with `labels`.
std::string event(const std::string& action, const std::string& id, const std::string& name,
                  const std::string& labels) {
  return R"({"Type":"container","Action":")" + action + R"(","Actor":{"ID":")" + id +
         R"(","Attributes":{"name":")" + name + "\"," + labels + "}}}\n";
}

class DockerClusterTest : public DockerScriptedTest {
 protected:
  // A backend that serves only `player`'s partition, with a short orphan grace; its engine
  // streams `events` when the stream opens.
  void make_serving(const std::string& player, const std::string& events = "") {
    DockerOptions o;
    o.orphan_grace_ms = 300;
    make_backend(
        [this, events](const Call& c) {
          if (c.method == "GET" && c.target.starts_with("/events")) {
            return Reply{200, events, Reply::Body::kStreamHeld};
          }
          return engine(c);
        },
        8, o);
    const uint16_t served = partition_of_player(player);
    backend_->set_serves([this, served](uint16_t p) { return serving_ && p == served; });
  }

  size_t removals(const std::string& container) const {
    return engine_->count("DELETE", "/containers/" + container + "?");
  }

  bool serving_ = true;
};

// Every node sees every container on a shared engine; only the node serving a container's
// partition may call it an orphan. Here: a labelled container with no session, of a served
// partition, is removed after the grace (from the listing, and from its create event); one of
// a partition another node serves, or without a player label, is never touched.
TEST_F(DockerClusterTest, OnlyContainersOfAServedPartitionAreJudgedOrphans) {
  const std::string served = "p-served";
  const std::string other = player_not_in_partition_of(served);
  const std::string events =
      event(
          "create", "ev-served", "ringside-slot-4",
          R"("ringside.session":")" + session_text() + R"(","ringside.player":")" + served + "\"") +
      event("create", "ev-other", "ringside-slot-5",
            R"("ringside.session":")" + session_text() + R"(","ringside.player":")" + other + "\"");
  add_other("ls-served", "ringside-slot-1", session_text(), served);
  add_other("ls-other", "ringside-slot-2", session_text(), other);
  add_other("ls-no-player", "ringside-slot-3", session_text(), "");
  make_serving(served, events);
  ASSERT_TRUE(
      driver_.run_until([&] { return removals("ls-served") + removals("ev-served") == 2; }, 5s));
  driver_.run_for(600ms);  // two more graces: nothing else goes
  EXPECT_EQ(removals("ls-served"), 1u);
  EXPECT_EQ(removals("ev-served"), 1u);
  EXPECT_EQ(removals("ls-other"), 0u);
  EXPECT_EQ(removals("ev-other"), 0u);
  EXPECT_EQ(removals("ls-no-player"), 0u);
}

// A container found an orphan while its partition was served here is not removed once the
// partition went to another node before the grace ended: that node judges it now.
TEST_F(DockerClusterTest, AnOrphanOfAPartitionLostDuringItsGraceIsLeftAlone) {
  add_other("ls-served", "ringside-slot-1", session_text(), "p-served");
  make_serving("p-served");
  driver_.run_for(100ms);  // listed, found an orphan; the grace is 300 ms
  serving_ = false;
  driver_.run_for(800ms);
  EXPECT_EQ(removals("ls-served"), 0u);
}

// Containers are named by their engine slot: two launches on an engine of two slots get the
// two names, and each container carries its limits as labels for the other nodes to count.
TEST_F(DockerScriptedTest, ContainersAreNamedByTheirEngineSlot) {
  make_backend([&](const Call& c) { return engine(c); }, 2);
  Launch a, b;
  start(a);
  start(b, 1500);
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.settled(a.id) && events_.settled(b.id); }, 5s));
  EXPECT_TRUE(events_.has_running(a.id)) << events_.describe();
  EXPECT_TRUE(events_.has_running(b.id)) << events_.describe();
  const std::vector<std::string> na = create_names(a), nb = create_names(b);
  ASSERT_EQ(na.size(), 1u);
  ASSERT_EQ(nb.size(), 1u);
  EXPECT_EQ((std::set<std::string>{na[0], nb[0]}),
            (std::set<std::string>{"ringside-slot-0", "ringside-slot-1"}));
  EXPECT_EQ(label_in(created_body(b), "ringside.cpu_millicores"), "1500");
  EXPECT_EQ(label_in(created_body(b), "ringside.memory_mb"), "64");
}

// A name held by a container this node cannot see (another node's, made a moment ago): the
// engine answers 409, the start goes on with the next name, and that name is not asked for
// again. The next launch finds no name free: it is given back to placement (on_no_room, after
// the foreign use that explains it), with nothing left on the engine and nothing else said.
TEST_F(DockerScriptedTest, ANameTakenElsewhereIsSkippedAndAFullEngineGivesTheStartBack) {
  make_backend([&](const Call& c) { return engine(c); }, 2);
  hold_name("ringside-slot-0");
  Launch a, b;
  start(a);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(a.id); }, 5s));
  EXPECT_TRUE(events_.has_running(a.id)) << events_.describe();
  EXPECT_EQ(create_names(a).back(), "ringside-slot-1");

  start(b);
  ASSERT_TRUE(driver_.run_until([&] { return events_.got_no_room(b.id); }, 5s))
      << events_.describe();
  // What was reported up to the no_room: a later listing, which no longer sees the held name
  // (the stranger is not listed), may report the foreign use again after it.
  const std::vector<std::string> order = events_.order;
  const uint32_t foreign_slots = events_.last_foreign(0)->slots;
  driver_.run_for(200ms);
  // Only its phase: no failure, no stop, no running.
  for (const RecordedEvent& e : events_.of(b.id)) {
    EXPECT_EQ(e.kind, RecordedEvent::kPhase) << events_.describe();
  }
  EXPECT_EQ(events_.no_room.size(), 1u);
  std::vector<std::string> asked = create_names(a);
  for (const std::string& n : create_names(b)) asked.push_back(n);
  // a asks for the held name once and learns it is taken. b skips it unless a listing came
  // between the two starts: the scripted engine does not list the stranger, so that listing
  // forgets the held name and b asks once more (a real engine lists it, and it stays held).
  const auto held_asks = std::count(asked.begin(), asked.end(), "ringside-slot-0");
  EXPECT_GE(held_asks, 1) << asked.size();
  EXPECT_LE(held_asks, 2) << asked.size();
  // Placement was told of the name held elsewhere before the start came back.
  ASSERT_EQ(order.back(), "no_room");
  EXPECT_NE(std::find(order.begin(), order.end(), "foreign"), order.end());
  EXPECT_EQ(foreign_slots, 1u);
  EXPECT_EQ(names().size(), 2u);  // the stranger's and a's
  EXPECT_EQ(backend_->session_count(), 1u);
}

// Every name taken by containers this node never saw: each is tried once (409), then the
// start comes back to placement and nothing was created.
TEST_F(DockerScriptedTest, AnEngineWhoseNamesAreAllTakenCreatesNothing) {
  make_backend([&](const Call& c) { return engine(c); }, 2);
  hold_name("ringside-slot-0");
  hold_name("ringside-slot-1");
  Launch a;
  start(a);
  ASSERT_TRUE(driver_.run_until([&] { return events_.got_no_room(a.id); }, 5s))
      << events_.describe();
  // Each name asked for once — or twice when a listing came between the 409s: the scripted
  // engine does not list the strangers, so a listing forgets the names they hold (a real engine
  // lists them, and they stay held).
  const std::vector<std::string> asked = create_names(a);
  EXPECT_GE(asked.size(), 2u);
  EXPECT_LE(asked.size(), 4u);
  EXPECT_EQ(std::count(asked.begin(), asked.end(), "ringside-slot-0") +
                std::count(asked.begin(), asked.end(), "ringside-slot-1"),
            static_cast<std::ptrdiff_t>(asked.size()));
  EXPECT_EQ(names().size(), 2u);
  EXPECT_GE(events_.last_foreign(0)->slots, 1u);
  EXPECT_EQ(backend_->session_count(), 0u);
  EXPECT_FALSE(events_.settled(a.id)) << events_.describe();
}

// A stop before the start found no room ends it stopped, as any stop of a start that never
// ran: stop()'s contract is one on_stopped, never on_no_room.
TEST_F(DockerScriptedTest, AStopBeforeNoRoomIsReportedEndsTheSessionStopped) {
  make_backend(
      [&](const Call& c) {
        if (c.method == "GET" && c.target.starts_with("/images/json")) {
          return Reply{200, R"([{"RepoTags":["registry.test/game:1"]}])"};
        }
        return engine(c);
      },
      0);                  // an engine of no slots: no name is ever free
  driver_.run_for(300ms);  // its images and capacity known: start() goes to create at once
  Launch a;
  start(a);
  backend_->stop(a.id);
  ASSERT_TRUE(driver_.run_until([&] { return events_.stopped(a.id).has_value(); }, 5s))
      << events_.describe();
  driver_.run_for(100ms);
  EXPECT_FALSE(events_.got_no_room(a.id));
  EXPECT_EQ(engine_->count("POST", "/containers/create"), 0u);
}

// What runs on the engine that this node did not place is counted and reported: containers of
// no session here, from the listing (one named the old way, without limit labels, counts as a
// slot) and from create/destroy events.
TEST_F(DockerClusterTest, ForeignUseIsCountedFromListingsAndEvents) {
  add_other("ls-1", "ringside-slot-5", session_text(), "p1",
            R"(,"ringside.cpu_millicores":"1500","ringside.memory_mb":"256")");
  add_other("ls-old", "ringside-s-old", session_text(), "p2");
  serving_ = false;  // another node's partitions: counted, never removed
  make_serving("p1");
  ASSERT_TRUE(driver_.run_until([&] { return events_.last_foreign(0).has_value(); }, 5s));
  EXPECT_EQ(events_.last_foreign(0), (ForeignUse{2, 1500, 256}));
}

// A container created by another node shows in the events, and in every listing asked for
// after it (as a real engine lists it); one created and destroyed since shows in neither
// listing. Whichever comes first, the count settles on what runs.
TEST_F(DockerClusterTest, ForeignUseFollowsCreateAndDestroyEvents) {
  const std::string kept = session_text();
  const std::string labels = R"("ringside.session":")" + kept +
                             R"(","ringside.player":"p1","ringside.cpu_millicores":"500",)"
                             R"("ringside.memory_mb":"128")";
  const std::string other =
      R"("ringside.session":")" + session_text() + R"(","ringside.cpu_millicores":"250")";
  add_other("ev-1", "ringside-slot-6", kept, "p1",
            R"(,"ringside.cpu_millicores":"500","ringside.memory_mb":"128")");
  serving_ = false;  // another node's partitions: counted, never removed
  make_serving("p1", event("create", "ev-1", "ringside-slot-6", labels) +
                         event("create", "ev-2", "ringside-slot-7", other) +
                         event("destroy", "ev-2", "ringside-slot-7", other));
  const ForeignUse expected{1, 500, 128};
  EXPECT_TRUE(driver_.run_until([&] { return events_.last_foreign(0) == expected; }, 5s))
      << "last reported: " << events_.last_foreign(0).value_or(ForeignUse{}).slots << " slots";
  driver_.run_for(300ms);  // and stays there
  EXPECT_EQ(events_.last_foreign(0), expected);
}

// forget(): the partition went to another node; its session's container runs on, and counts
// as foreign here at once (with the limits it was created with), neither stopped nor removed.
TEST_F(DockerScriptedTest, AForgottenSessionsContainerIsForeignAtOnce) {
  make_backend([&](const Call& c) { return engine(c); });
  Launch a;
  start(a);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(a.id); }, 5s));
  ASSERT_TRUE(events_.has_running(a.id)) << events_.describe();
  driver_.run_for(200ms);
  EXPECT_FALSE(events_.last_foreign(0).has_value() && events_.last_foreign(0)->slots != 0);
  const size_t before = events_.events.size();
  backend_->forget(a.id);
  EXPECT_EQ(backend_->session_count(), 0u);
  ASSERT_TRUE(driver_.run_until(
      [&] { return events_.last_foreign(0).has_value() && events_.last_foreign(0)->slots == 1; },
      5s));
  EXPECT_EQ(events_.last_foreign(0), (ForeignUse{1, 1000, 64}));
  driver_.run_for(200ms);
  EXPECT_EQ(events_.events.size(), before) << events_.describe();  // nothing reported
  EXPECT_EQ(count_about("POST", a, "/stop"), 0u);
  EXPECT_EQ(count_about("DELETE", a, "/containers/"), 0u);
}

// recover() comes once per partition acquired, after starts: each call's sessions are looked
// up in a listing asked for after it (here the listing on its way when the second call came
// was asked for before that session's container was made, by the partition's previous owner),
// the sessions already here are left alone, and an adopted container keeps its name's slot.
TEST_F(DockerScriptedTest, RecoverIsCalledOncePerPartitionAndAfterStarts) {
  std::atomic<int> listings{0};
  make_backend(
      [&](const Call& c) {
        if (c.method == "GET" && c.target.starts_with("/containers/json")) {
          Reply r{200, listing()};
          ++listings;
          r.delay_ms = 300;
          return r;
        }
        return engine(c);
      },
      4);
  Launch a, b, c;
  start(a);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(a.id); }, 5s));
  ASSERT_TRUE(events_.has_running(a.id)) << events_.describe();
  driver_.run_for(800ms);  // the listings of the start-up are answered
  const std::string a_name = create_names(a).back();
  // b and c run in the two names a does not hold.
  std::vector<std::string> free;
  for (const char* n :
       {"ringside-slot-0", "ringside-slot-1", "ringside-slot-2", "ringside-slot-3"}) {
    if (n != a_name) free.push_back(n);
  }
  add_other("b-container", free[0], b.text, "p-test");

  PlacedSession rb = test_session(b.id, random_id128(), 0);
  rb.was_running = true;
  const int listed_before = listings;
  backend_->recover({rb});
  ASSERT_TRUE(driver_.run_until([&] { return listings > listed_before; }, 5s));
  // The listing for b is on its way, its answer taken; c's container is made only now.
  add_other("c-container", free[1], c.text, "p-test");
  PlacedSession rc = test_session(c.id, random_id128(), 0);
  rc.was_running = true;
  backend_->recover({rc});
  ASSERT_TRUE(
      driver_.run_until([&] { return events_.settled(b.id) && events_.settled(c.id); }, 5s));
  EXPECT_TRUE(events_.has_running(b.id)) << events_.describe();
  EXPECT_TRUE(events_.has_running(c.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(c.id), "c-container");
  EXPECT_FALSE(events_.lost(a.id));
  EXPECT_EQ(backend_->session_count(), 3u);

  // Three names held (a's and the two adopted): the fourth launch takes the last one at
  // once, the fifth finds none and asks the engine nothing.
  Launch d, e;
  start(d);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(d.id); }, 5s));
  EXPECT_TRUE(events_.has_running(d.id)) << events_.describe();
  EXPECT_EQ(create_names(d).size(), 1u);
  start(e);
  ASSERT_TRUE(driver_.run_until([&] { return events_.got_no_room(e.id); }, 5s));
  EXPECT_TRUE(create_names(e).empty());
  // Nothing runs here that this node did not place.
  EXPECT_FALSE(events_.last_foreign(0).has_value() && events_.last_foreign(0)->slots != 0);
}

}  // namespace
}  // namespace ringside

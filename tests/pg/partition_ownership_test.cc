// The ownership protocol against a real PostgreSQL: two or three nodes in one process, each on
// its own thread, reactor and write connection, with short timings (the contract's order:
// lease < dead-after). What is asserted is what the cluster would show: who holds which
// partition lock in pg_locks, what each node was told, and that no two nodes ever served one
// partition at the same time (a node's hold counts until its lease ended).
#include "store/cluster/partition_ownership.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/message_bus.h"
#include "model/partition.h"
#include "store/cluster/rendezvous.h"
#include "store/pg/pg_poller.h"
#include "tests/pg/pg_test_env.h"

namespace ringside {
namespace {

using pgtest::Admin;
using pgtest::ScratchDatabase;

ClusterTiming fast_timing() {
  ClusterTiming t;
  t.heartbeat_ms = 100;
  t.dead_after_ms = 1000;
  t.lease_valid_ms = 500;
  return t;
}

// Who reported holding what, across the nodes, and every time two overlapped.
class Ledger {
 public:
  void acquired(const std::string& node, uint16_t p, uint64_t now) {
    std::lock_guard lock(mu_);
    auto it = holder_.find(p);
    // The previous holder may still believe it holds p (it was paused): harmless only if its
    // lease ended before this acquisition.
    if (it != holder_.end() && it->second != node && lease_[it->second] >= now) {
      violations_.push_back("partition " + std::to_string(p) + " acquired by " + node + " while " +
                            it->second + "'s lease runs");
    }
    holder_[p] = node;
  }
  void dropped(const std::string& node, uint16_t p) {
    std::lock_guard lock(mu_);
    auto it = holder_.find(p);
    if (it != holder_.end() && it->second == node) holder_.erase(it);
  }
  void lease(const std::string& node, uint64_t until) {
    std::lock_guard lock(mu_);
    lease_[node] = until;
  }
  std::vector<std::string> violations() {
    std::lock_guard lock(mu_);
    return violations_;
  }

 private:
  std::mutex mu_;
  std::map<uint16_t, std::string> holder_;
  std::map<std::string, uint64_t> lease_;
  std::vector<std::string> violations_;
};

// "+7": acquired 7 (GCC 12 warns wrongly about "+" + std::to_string(p)).
std::string event(char kind, uint16_t p) {
  std::string e(1, kind);
  e += std::to_string(p);
  return e;
}

// One node: its own thread running a reactor with a PgConnection, PgPoller and
// PartitionOwnership, answering release requests the way a shard would (one loop later).
class Node : public OwnershipListener {
 public:
  // admit_later: registered with the nonce "nonce-<id>" and taking nothing until admit().
  Node(std::string id, const std::string& url, Ledger& ledger, uint64_t backoff_ms = 20,
       bool admit_later = false)
      : id_(std::move(id)),
        ledger_(ledger),
        options_(pgtest::test_options(url)),
        admit_later_(admit_later) {
    options_.backoff_initial_ms = backoff_ms;
    options_.backoff_max_ms = std::max<uint64_t>(backoff_ms, 200);
    thread_ = std::thread([this] { run(); });
  }
  ~Node() override {
    stop_ = true;
    thread_.join();
  }

  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  void leave() { leave_ = true; }
  void admit() { admit_ = true; }
  // The node ids of the last joining_members.
  std::vector<std::string> joining() {
    std::lock_guard lock(mu_);
    return joining_;
  }

  std::set<uint16_t> held() {
    std::lock_guard lock(mu_);
    return held_;
  }
  bool has_left() {
    std::lock_guard lock(mu_);
    return left_;
  }
  uint64_t lease_until() {
    std::lock_guard lock(mu_);
    return lease_until_;
  }
  // What it was told, in order: "+p" acquired, "-p" lost, "~p" asked to release.
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  // --- OwnershipListener, on the node's thread ---
  void partition_acquired(uint16_t p) override {
    ledger_.acquired(id_, p, pgtest::now_ms());
    std::lock_guard lock(mu_);
    held_.insert(p);
    events_.push_back(event('+', p));
  }
  void partition_lost(uint16_t p) override {
    ledger_.dropped(id_, p);
    std::lock_guard lock(mu_);
    held_.erase(p);
    events_.push_back(event('-', p));
  }
  void release_requested(uint16_t p) override {
    to_release_.push_back(p);
    std::lock_guard lock(mu_);
    events_.push_back(event('~', p));
  }
  void routes_changed(const ClusterRoutes&) override {}
  void lease_renewed(uint64_t until) override {
    ledger_.lease(id_, until);
    std::lock_guard lock(mu_);
    lease_until_ = until;
  }
  void left() override {
    std::lock_guard lock(mu_);
    left_ = true;
  }
  void joining_members(const std::vector<ClusterMember>& members) override {
    std::lock_guard lock(mu_);
    joining_.clear();
    for (const ClusterMember& m : members) joining_.push_back(m.node_id);
  }

 private:
  static void on_batch_end(void* ctx) { static_cast<Node*>(ctx)->batch_end(); }

  void batch_end() {
    // A pause: the loop stops, the socket stays open (as under SIGSTOP).
    while (paused_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (stop_) reactor_->stop();
    // The shard dropped p and its writes committed: only now is it given up.
    std::vector<uint16_t> releasing = std::move(to_release_);
    to_release_.clear();
    for (uint16_t p : releasing) {
      ledger_.dropped(id_, p);
      {
        std::lock_guard lock(mu_);
        held_.erase(p);
      }
      ownership_->released(p);
    }
    if (admit_) ownership_->admit();
    if (leave_ && !leave_sent_) {
      leave_sent_ = true;
      ownership_->leave();
    }
  }

  void run() {
    MessageBus bus(1, 1 << 16);
    Reactor reactor(bus, 0, pgtest::test_reactor_options());
    PgConnection connection(options_);
    PartitionOwnership::Options o{id_, id_ + ".test:8080", fast_timing()};
    if (admit_later_) {
      o.admit_later = true;
      o.save_root_nonce = "nonce-" + id_;
    }
    PartitionOwnership ownership(reactor, connection, std::move(o), *this);
    connection.set_state_handler([&](PgConnection::State state, std::string_view why) {
      ownership.on_connection_state(state, why);
    });
    reactor_ = &reactor;
    ownership_ = &ownership;
    reactor.add_batch_end_hook(&Node::on_batch_end, this);  // before the poller's flush
    PgPoller poller(reactor, connection);
    poller.start();
    reactor.run();
  }

  std::string id_;
  Ledger& ledger_;
  PgConnection::Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> paused_{false};
  std::atomic<bool> leave_{false};
  const bool admit_later_;
  std::atomic<bool> admit_{false};
  bool leave_sent_ = false;
  Reactor* reactor_ = nullptr;
  PartitionOwnership* ownership_ = nullptr;
  std::vector<uint16_t> to_release_;
  std::mutex mu_;
  std::set<uint16_t> held_;
  std::vector<std::string> events_;
  std::vector<std::string> joining_;
  uint64_t lease_until_ = 0;
  bool left_ = false;
  std::thread thread_;
};

// The partitions rendezvous gives each of `nodes`.
std::map<std::string, std::set<uint16_t>> shares(std::vector<std::string_view> nodes) {
  std::sort(nodes.begin(), nodes.end());
  const std::vector<int> target = rendezvous_assign(nodes);
  std::map<std::string, std::set<uint16_t>> out;
  for (uint16_t p = 0; p < kPartitionCount; ++p) {
    out[std::string(nodes[static_cast<size_t>(target[p])])].insert(p);
  }
  return out;
}

bool wait_for(const std::function<bool()>& done, uint64_t timeout_ms) {
  const uint64_t until = pgtest::now_ms() + timeout_ms;
  while (pgtest::now_ms() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

class PartitionOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pgtest::apply_all_migrations(db_.url()));
    admin_ = std::make_unique<Admin>(db_.url());
  }
  // The write connection the node registered, "" when it has no row.
  std::string pid_of(const std::string& node) {
    auto rows =
        admin_->rows("SELECT backend_pid FROM cluster_nodes WHERE node_id = '" + node + "'");
    return rows.empty() ? "" : rows[0][0];
  }
  // The partitions whose ownership lock the node's registered connection holds.
  std::set<uint16_t> locks_of(const std::string& node) {
    std::set<uint16_t> out;
    for (auto& row :
         admin_->rows("SELECT l.objid FROM pg_locks l JOIN cluster_nodes n ON n.backend_pid = l.pid"
                      " WHERE l.locktype = 'advisory' AND l.classid = 1380532807 AND l.objsubid = 2"
                      " AND l.granted AND n.node_id = '" +
                      node + "'")) {
      out.insert(static_cast<uint16_t>(std::stoi(row[0])));
    }
    return out;
  }
  int64_t granted_locks() {
    return std::stoll(admin_->value(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1380532807"
        " AND granted AND database = (SELECT oid FROM pg_database"
        " WHERE datname = current_database())"));
  }
  // Waits until the nodes hold exactly the given shares, by their own account and pg_locks.
  void expect_converged(std::map<std::string, Node*> nodes,
                        const std::map<std::string, std::set<uint16_t>>& expected,
                        uint64_t timeout_ms = 10000) {
    auto converged = [&] {
      for (auto& [id, node] : nodes) {
        auto it = expected.find(id);
        const std::set<uint16_t> want = it == expected.end() ? std::set<uint16_t>{} : it->second;
        if (node->held() != want) return false;
      }
      return true;
    };
    ASSERT_TRUE(wait_for(converged, timeout_ms));
    for (auto& [id, node] : nodes) {
      auto it = expected.find(id);
      if (it != expected.end()) {
        EXPECT_EQ(locks_of(id), it->second) << id << ": told it holds what pg_locks does not say";
      }
    }
  }

  ScratchDatabase db_;
  std::unique_ptr<Admin> admin_;
  Ledger ledger_;
};

TEST_F(PartitionOwnershipTest, ALoneNodeTakesAllPartitions) {
  Node a("a", db_.url(), ledger_);
  expect_converged({{"a", &a}}, shares({"a"}));
  EXPECT_EQ(a.held().size(), kPartitionCount);
  EXPECT_EQ(granted_locks(), kPartitionCount);
  EXPECT_GT(a.lease_until(), 0u);
  EXPECT_TRUE(ledger_.violations().empty());
}

TEST_F(PartitionOwnershipTest, JoiningNodesConvergeToAnEvenSplitWithNoPartitionHeldTwice) {
  Node a("a", db_.url(), ledger_);
  expect_converged({{"a", &a}}, shares({"a"}));
  Node b("b", db_.url(), ledger_);
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  Node c("c", db_.url(), ledger_);
  expect_converged({{"a", &a}, {"b", &b}, {"c", &c}}, shares({"a", "b", "c"}));
  for (Node* n : {&a, &b, &c}) {
    EXPECT_GT(n->held().size(), kPartitionCount / 3 / 2);
    EXPECT_LT(n->held().size(), kPartitionCount / 3 * 3 / 2);
  }
  EXPECT_EQ(granted_locks(), kPartitionCount);
  // a handed b and c their shares: asked first, each released only after the "shard" let go.
  for (const std::string& e : a.events()) EXPECT_NE(e[0], '-') << "a lost " << e;
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
}

// A Docker-backed node registers as leaving, with its save root nonce, until its save root is
// found shared (app/save_root_check.h): it is nobody's target and takes nothing meanwhile, and
// hears the members as read after its registration committed.
TEST_F(PartitionOwnershipTest, ANodeAdmittedLaterTakesNothingUntilAdmitted) {
  Node a("a", db_.url(), ledger_);
  expect_converged({{"a", &a}}, shares({"a"}));
  Node b("b", db_.url(), ledger_, 20, /*admit_later=*/true);
  ASSERT_TRUE(wait_for([&] { return b.joining() == std::vector<std::string>{"a", "b"}; }, 3000));
  EXPECT_EQ(admin_->value("SELECT leaving::text || ' ' || save_root_nonce FROM cluster_nodes"
                          " WHERE node_id = 'b'"),
            "true nonce-b");
  EXPECT_EQ(admin_->value("SELECT count(*) FROM cluster_nodes WHERE node_id = 'a'"
                          " AND save_root_nonce IS NULL"),
            "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * fast_timing().heartbeat_ms));
  EXPECT_TRUE(b.held().empty());
  EXPECT_EQ(a.held().size(), kPartitionCount);
  for (const std::string& e : a.events()) EXPECT_NE(e[0], '~') << "a was asked to hand " << e;
  b.admit();
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  EXPECT_EQ(admin_->value("SELECT leaving::text FROM cluster_nodes WHERE node_id = 'b'"), "false");
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
}

TEST_F(PartitionOwnershipTest, ANodeWhoseConnectionIsTerminatedLosesAllAndTheOtherTakesOver) {
  const uint64_t dead_after = fast_timing().dead_after_ms;
  // a reconnects only after a minute: it stays gone for the test.
  Node a("a", db_.url(), ledger_, 60000);
  Node b("b", db_.url(), ledger_);
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  const std::string pid = pid_of("a");
  ASSERT_FALSE(pid.empty());
  const uint64_t cut = pgtest::now_ms();
  EXPECT_EQ(admin_->value("SELECT pg_terminate_backend(" + pid + ")"), "t");
  ASSERT_TRUE(wait_for([&] { return a.held().empty(); }, 2000)) << "a still believes it holds";
  // b takes a's share only once a's lease has surely ended: a node cut one-sidedly would not
  // have noticed the loss and would answer from memory until then.
  ASSERT_TRUE(wait_for([&] { return b.held().size() == kPartitionCount; }, dead_after + 1000));
  EXPECT_GE(pgtest::now_ms() - cut, fast_timing().lease_valid_ms);
  expect_converged({{"a", &a}, {"b", &b}}, shares({"b"}), dead_after + 1000);
  EXPECT_LE(pgtest::now_ms() - cut, dead_after + 3 * fast_timing().heartbeat_ms);
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
}

TEST_F(PartitionOwnershipTest, APausedNodeIsTerminatedAndOnResumeLearnsItLostEverything) {
  const ClusterTiming timing = fast_timing();
  Node a("a", db_.url(), ledger_);
  Node b("b", db_.url(), ledger_);
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  const std::string pid = pid_of("a");
  const std::set<uint16_t> a_share = a.held();
  a.pause();
  const uint64_t paused_at = pgtest::now_ms();
  // b takes over only once a's heartbeat is past dead-after, by terminating a's connection.
  ASSERT_TRUE(wait_for([&] { return b.held().size() == kPartitionCount; }, 5000));
  EXPECT_GE(pgtest::now_ms() - paused_at, timing.dead_after_ms - timing.heartbeat_ms);
  EXPECT_EQ(admin_->value("SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid), "0");
  EXPECT_EQ(locks_of("b").size(), kPartitionCount);
  // Every acquisition by b came after a's lease had ended (the ledger checks each one).
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
  EXPECT_LT(a.lease_until(), pgtest::now_ms());

  const size_t events_before = a.events().size();
  a.resume();
  ASSERT_TRUE(wait_for([&] { return a.held().empty(); }, 2000));
  // What a heard after resuming: first it lost its whole share, and it acquired nothing
  // before that.
  const std::vector<std::string> events = a.events();
  const std::vector<std::string> after(events.begin() + static_cast<long>(events_before),
                                       events.end());
  std::set<uint16_t> lost;
  for (const std::string& e : after) {
    if (lost.size() == a_share.size()) break;
    ASSERT_EQ(e[0], '-') << "before learning of its loss a was told " << e;
    lost.insert(static_cast<uint16_t>(std::stoi(e.substr(1))));
  }
  EXPECT_EQ(lost, a_share);
  // Back with a new connection, it registers again and the split is even again.
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  EXPECT_NE(pid_of("a"), pid);
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
}

TEST_F(PartitionOwnershipTest, ALeavingNodeHandsEverythingOverBeforeDeadAfter) {
  Node a("a", db_.url(), ledger_);
  Node b("b", db_.url(), ledger_);
  expect_converged({{"a", &a}, {"b", &b}}, shares({"a", "b"}));
  const uint64_t start = pgtest::now_ms();
  a.leave();
  ASSERT_TRUE(wait_for([&] { return a.has_left(); }, 5000));
  expect_converged({{"a", &a}, {"b", &b}}, shares({"b"}));
  // A hand-over, not a failure detected: well within dead-after.
  EXPECT_LT(pgtest::now_ms() - start, fast_timing().dead_after_ms);
  EXPECT_EQ(pid_of("a"), "");
  for (const std::string& e : a.events()) EXPECT_NE(e[0], '-') << "a lost " << e;
  EXPECT_EQ(ledger_.violations(), std::vector<std::string>{});
}

}  // namespace
}  // namespace ringside

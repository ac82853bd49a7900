// Webhooks with --database-url (docs/webhooks.md, "Durability"): events made while the receiver
// is down wait in the outbox, survive a kill -9, and are delivered after the restart, with the
// same ids, one session's in order; delivered rows leave the outbox. Past the memory cap they
// wait in the outbox and are read back as memory frees, none dropped. In a cluster a node
// delivers the rows of the partitions it serves only, and a partition's once it acquires it.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"
#include "integration/webhook_receiver_process.h"

namespace ringside::durable {
namespace {

bool eventually(int ms, const std::function<bool()>& done) {
  for (int waited = 0; waited < ms; waited += 100) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

TEST_F(DurableTest, WebhooksMadeWhileTheReceiverIsDownSurviveAKill) {
  itest::WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  const uint16_t receiver_port = receiver.port();
  receiver.kill();  // down: every attempt is refused
  const std::string secret_file = this->secret_file() + ".webhooks";
  std::ofstream(secret_file) << "durable-secret\n";
  const std::vector<std::string> flags = {"--webhook-url", receiver.url(), "--webhook-secret-file",
                                          secret_file};
  ASSERT_TRUE(start(flags));

  std::set<std::string> expected;
  std::vector<std::string> sessions;
  for (int i = 0; i < 4; ++i) {
    const std::string token = api().token_for("hooked-" + std::to_string(i));
    const std::string id = api().launch_running(token, game_body());
    ASSERT_FALSE(id.empty());
    sessions.push_back(id);
    expected.insert(id + ".running");
    if (i % 2 == 0) {
      api().stop_ok(token, id);
      expected.insert(id + ".stopped");
    }
  }
  // Every event is in the outbox (its row committed with the state change) before the kill.
  ASSERT_TRUE(eventually(5000, [&] {
    return db().value("SELECT count(*) FROM webhook_outbox") == std::to_string(expected.size());
  })) << db().value("SELECT count(*) FROM webhook_outbox");
  kill_hard();

  ASSERT_TRUE(start(flags));
  ASSERT_TRUE(receiver.start(receiver_port));
  std::set<std::string> delivered;
  ASSERT_TRUE(eventually(30000,
                         [&] {
                           delivered.clear();
                           for (const auto& r : receiver.received()) {
                             if (r.answer == 204) delivered.insert(r.event_id);
                           }
                           return delivered == expected;
                         }))
      << delivered.size() << " of " << expected.size() << " delivered";
  // In order per session, signed with the secret, and the outbox is emptied.
  std::map<std::string, std::vector<std::string>> kinds;
  for (const auto& r : receiver.received()) {
    EXPECT_EQ(r.signature, itest::expected_signature("durable-secret", r.timestamp, r.body));
    const auto dot = r.event_id.rfind('.');
    kinds[r.event_id.substr(0, dot)].push_back(r.event_id.substr(dot + 1));
  }
  for (const std::string& id : sessions) {
    ASSERT_FALSE(kinds[id].empty()) << id;
    EXPECT_EQ(kinds[id].front(), "running") << id;
  }
  EXPECT_TRUE(eventually(5000, [&] {
    return db().value("SELECT count(*) FROM webhook_outbox") == "0";
  })) << db().value("SELECT count(*) FROM webhook_outbox");
}

TEST_F(DurableTest, WebhooksPastTheMemoryCapWaitInTheOutboxAndAreReadBack) {
  itest::WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  ASSERT_TRUE(receiver.set_mode("fail"));
  const std::string secret_file = this->secret_file() + ".webhooks";
  std::ofstream(secret_file) << "durable-secret\n";
  ASSERT_TRUE(start({"--webhook-url", receiver.url(), "--webhook-secret-file", secret_file,
                     "--webhook-memory-events", "2"}));
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    const std::string token = api().token_for("capped-" + std::to_string(i));
    const std::string id = api().launch_running(token, game_body());
    ASSERT_FALSE(id.empty());
    expected.push_back(id + ".running");
  }
  // Two held in memory, every one in the outbox, none dropped.
  ASSERT_TRUE(
      eventually(5000, [&] { return db().value("SELECT count(*) FROM webhook_outbox") == "5"; }));
  auto m = api().metrics();
  ASSERT_TRUE(m);
  EXPECT_EQ(itest::metric_value(m->body, "ringside_webhook_undelivered"), 2);
  EXPECT_EQ(itest::metric_value(m->body, "ringside_webhook_dropped_total"), 0);
  ASSERT_TRUE(receiver.set_mode("ok"));
  std::vector<std::string> delivered;
  ASSERT_TRUE(eventually(30000,
                         [&] {
                           delivered.clear();
                           for (const auto& r : receiver.received()) {
                             if (r.answer == 204) delivered.push_back(r.event_id);
                           }
                           return delivered.size() == expected.size();
                         }))
      << delivered.size() << " delivered";
  std::sort(delivered.begin(), delivered.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(delivered, expected);
  EXPECT_TRUE(
      eventually(5000, [&] { return db().value("SELECT count(*) FROM webhook_outbox") == "0"; }));
}

// The test's own connection holds partition 5's ownership lock, as the node serving it would:
// ringside (one node of a cluster) serves every other partition. Rows of partition 5 wait
// for whoever serves it; once the lock is free, ringside acquires partition 5 and delivers
// them — though they are older than rows it read already.
TEST_F(DurableTest, WebhooksOfAPartitionNotServedWaitUntilItIsAcquired) {
  ASSERT_TRUE(start());  // migrates
  ASSERT_EQ(stop_gracefully(), 0);
  itest::WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  const std::string secret_file = this->secret_file() + ".webhooks";
  std::ofstream(secret_file) << "durable-secret\n";
  db().exec("SELECT pg_advisory_lock(1380532807, 5)");
  db().exec(
      "INSERT INTO webhook_outbox (id, session_id, partition, body, made_at) VALUES"
      " ('held.running', 'held', 5, '{\"id\":\"held.running\"}', now()),"
      " ('free.running', 'free', 6, '{\"id\":\"free.running\"}', now()),"
      " ('free.stopped', 'free', 6, '{\"id\":\"free.stopped\"}', now())");
  ASSERT_TRUE(start({"--node-id", "node-a", "--webhook-url", receiver.url(),
                     "--webhook-secret-file", secret_file}));
  auto delivered = [&] {
    std::vector<std::string> ids;
    for (const auto& r : receiver.received()) {
      if (r.answer == 204) ids.push_back(r.event_id);
    }
    return ids;
  };
  ASSERT_TRUE(eventually(15000, [&] { return delivered().size() >= 2; }));
  // A few ownership rounds (1 s each) more: partition 5's row is still not delivered.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(delivered(), (std::vector<std::string>{"free.running", "free.stopped"}));
  EXPECT_EQ(db().value("SELECT string_agg(id, ',') FROM webhook_outbox"), "held.running");

  db().exec("SELECT pg_advisory_unlock(1380532807, 5)");
  ASSERT_TRUE(eventually(15000, [&] { return delivered().size() == 3; }))
      << delivered().size() << " delivered";
  EXPECT_EQ(delivered().back(), "held.running");
  EXPECT_TRUE(eventually(5000, [&] {
    return db().value("SELECT count(*) FROM webhook_outbox") == "0";
  })) << db().value("SELECT count(*) FROM webhook_outbox");
}

// After an acquisition the reads start again from the first row, past rows handed over already:
// those take no room in memory, so they must not hold the reads to room()'s few rows each.
// 20 events of partition 6 are held (the receiver fails them), memory has room for 1 more;
// partition 5's row, the newest, comes once ringside acquires it — in one read, not one a row.
TEST_F(DurableTest, WebhooksOfAnAcquiredPartitionComePastHandedRowsInOneRead) {
  ASSERT_TRUE(start());  // migrates
  ASSERT_EQ(stop_gracefully(), 0);
  itest::WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  ASSERT_TRUE(receiver.set_mode("fail"));
  const std::string secret_file = this->secret_file() + ".webhooks";
  std::ofstream(secret_file) << "durable-secret\n";
  db().exec("SELECT pg_advisory_lock(1380532807, 5)");
  db().exec(
      "INSERT INTO webhook_outbox (id, session_id, partition, body, made_at)"
      " SELECT 'free' || i || '.running', 'free' || i, 6, '{}', now()"
      " FROM generate_series(1, 20) AS i");
  db().exec(
      "INSERT INTO webhook_outbox (id, session_id, partition, body, made_at) VALUES"
      " ('held.running', 'held', 5, '{\"id\":\"held.running\"}', now())");
  ASSERT_TRUE(start({"--node-id", "node-a", "--webhook-url", receiver.url(),
                     "--webhook-secret-file", secret_file, "--webhook-memory-events", "21"}));
  auto undelivered = [&] {
    auto m = api().metrics();
    return m ? itest::metric_value(m->body, "ringside_webhook_undelivered").value_or(-1) : -1;
  };
  auto reads = [&] {
    const std::string log = server().log();
    size_t n = 0;
    for (size_t at = log.find("event=webhook_outbox_read"); at != std::string::npos;
         at = log.find("event=webhook_outbox_read", at + 1)) {
      ++n;
    }
    return n;
  };
  ASSERT_TRUE(eventually(15000, [&] { return undelivered() == 20; })) << undelivered();
  // A few ownership rounds (1 s each): every partition but 5 is served, their rewinds read.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  ASSERT_EQ(undelivered(), 20);
  const size_t reads_before = reads();

  db().exec("SELECT pg_advisory_unlock(1380532807, 5)");
  ASSERT_TRUE(eventually(15000, [&] { return undelivered() == 21; })) << undelivered();
  EXPECT_LE(reads() - reads_before, 2u) << server().log();
  EXPECT_EQ(itest::metric_value(api().metrics()->body, "ringside_webhook_dropped_total"), 0);
}

}  // namespace
}  // namespace ringside::durable

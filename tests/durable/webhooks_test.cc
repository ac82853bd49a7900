// Webhooks with --database-url (docs/webhooks.md, "Durability"): events made while the receiver
// is down wait in the outbox, survive a kill -9, and are delivered after the restart, with the
// same ids, one session's in order; delivered rows leave the outbox. Past the memory cap they
// wait in the outbox and are read back as memory frees, none dropped.
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

}  // namespace
}  // namespace ringside::durable

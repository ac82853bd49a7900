// Webhooks (SPEC: Webhooks; docs/webhooks.md) against a real local receiver that fails, hangs
// and recovers: every event reaches every URL, signed (checked here with the secret), again
// with the same id after a failure, one session's events in order; a URL that is not http(s)
// is refused at start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/sessions_fixture.h"
#include "integration/webhook_receiver_process.h"

namespace ringside::itest {
namespace {

constexpr const char* kSecret = "whsec-integration";

class WebhooksTest : public SessionsTest {
 protected:
  WebhooksTest() {
    char dir[] = "/tmp/ringside-webhooks-XXXXXX";
    dir_ = mkdtemp(dir);
    secret_file_ = dir_ + "/webhook.secret";
    std::ofstream(secret_file_) << kSecret << "\n  \n";  // trailing whitespace is not secret
  }
  ~WebhooksTest() override { std::system(("rm -rf " + dir_).c_str()); }

  // Waits up to `ms` for `done`, polling.
  static bool eventually(int ms, const std::function<bool()>& done) {
    for (int waited = 0; waited < ms; waited += 50) {
      if (done()) return true;
      sleep_ms(50);
    }
    return done();
  }

  double metric(const std::string& series) {
    auto r = api().metrics();
    if (!r) return -1;
    return metric_value(r->body, series).value_or(-1);
  }

  std::string dir_;
  std::string secret_file_;
};

std::vector<ReceivedWebhook> with_answer(const std::vector<ReceivedWebhook>& all, bool ok) {
  std::vector<ReceivedWebhook> out;
  for (const ReceivedWebhook& r : all) {
    if ((r.answer >= 200 && r.answer < 300) == ok) out.push_back(r);
  }
  return out;
}

TEST_F(WebhooksTest, DeliveredSignedInOrderAfterFailuresAndHangs) {
  WebhookReceiver flaky, steady;
  ASSERT_TRUE(flaky.start());
  ASSERT_TRUE(steady.start());
  ASSERT_TRUE(flaky.set_mode("fail"));
  ASSERT_TRUE(start({"--webhook-url", flaky.url() + "," + steady.url("/other"),
                     "--webhook-secret-file", secret_file_, "--webhook-timeout", "1.5"}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  api().stop_ok(token, id);
  const std::string running = id + ".running", stopped = id + ".stopped";

  // The steady URL gets both at once, whatever the flaky one does.
  ASSERT_TRUE(eventually(5000, [&] { return with_answer(steady.received(), true).size() == 2; }));
  // The flaky one: `running` tried again and again (same id), `stopped` held back behind it.
  ASSERT_TRUE(eventually(8000, [&] { return flaky.received().size() >= 3; }));
  for (const ReceivedWebhook& r : flaky.received()) {
    EXPECT_EQ(r.event_id, running) << "stopped sent before running was delivered";
  }
  EXPECT_GE(metric("ringside_webhook_failures_total"), 3);
  EXPECT_EQ(metric("ringside_webhook_undelivered"), 2);
  EXPECT_GT(metric("ringside_webhook_oldest_undelivered_seconds"), 0);

  // Now it hangs: the attempt times out (1.5 s here, 10 s by default) and counts as a failure.
  ASSERT_TRUE(flaky.set_mode("hang"));
  const size_t before_hang = flaky.received().size();
  ASSERT_TRUE(eventually(20000, [&] {
    const auto all = flaky.received();
    return all.size() > before_hang && all.back().answer == 0;
  }));
  const double failures_before = metric("ringside_webhook_failures_total");
  ASSERT_TRUE(eventually(
      5000, [&] { return metric("ringside_webhook_failures_total") > failures_before; }));

  // Recovery: both delivered, `running` first.
  ASSERT_TRUE(flaky.set_mode("ok"));
  ASSERT_TRUE(eventually(30000, [&] { return with_answer(flaky.received(), true).size() == 2; }));
  const auto delivered = with_answer(flaky.received(), true);
  EXPECT_EQ(delivered[0].event_id, running);
  EXPECT_EQ(delivered[1].event_id, stopped);
  // Nothing of `stopped` before `running` was answered 2xx.
  bool running_delivered = false;
  for (const ReceivedWebhook& r : flaky.received()) {
    if (r.event_id == stopped) {
      EXPECT_TRUE(running_delivered);
    }
    if (r.event_id == running && r.answer == 204) running_delivered = true;
  }

  // Every attempt to either URL signed with the secret (without its trailing whitespace), over
  // its own timestamp and the body; the body says what happened.
  auto all = flaky.received();
  for (const ReceivedWebhook& r : steady.received()) all.push_back(r);
  for (const ReceivedWebhook& r : all) {
    EXPECT_EQ(r.signature, expected_signature(kSecret, r.timestamp, r.body)) << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    const long stamp = std::atol(r.timestamp.c_str());
    EXPECT_LE(std::abs(stamp - static_cast<long>(time(nullptr))), 120) << r.timestamp;
    const Json body = Json::parse(r.body);
    EXPECT_EQ(body["id"].str(), r.event_id);
    EXPECT_EQ(body["session"]["sessionId"].str(), id);
    EXPECT_EQ(body["session"]["playerId"].str(), "alice");
    EXPECT_EQ(body["session"]["gameSlug"].str(), kGame);
    EXPECT_TRUE(is_rfc3339_utc(body["occurredAt"])) << r.body;
    if (r.event_id == running) {
      EXPECT_EQ(body["type"].str(), "session.running");
      EXPECT_EQ(body["session"]["status"].str(), "running");
      EXPECT_FALSE(body["session"]["endReason"].exists());
    } else {
      EXPECT_EQ(body["type"].str(), "session.stopped");
      EXPECT_EQ(body["session"]["status"].str(), "stopped");
      EXPECT_EQ(body["session"]["endReason"].str(), "stopped");
      EXPECT_TRUE(body["session"]["duration"].is_number()) << r.body;
      EXPECT_TRUE(body["session"]["cpuSeconds"].is_number()) << r.body;
      EXPECT_TRUE(body["session"]["peakMemoryMb"].is_number()) << r.body;
    }
  }
  EXPECT_EQ(steady.received().front().path, "/other");
  EXPECT_EQ(metric("ringside_webhook_deliveries_total"), 4);
  EXPECT_EQ(metric("ringside_webhook_undelivered"), 0);
  EXPECT_EQ(metric("ringside_webhook_oldest_undelivered_seconds"), 0);
  EXPECT_EQ(metric("ringside_webhook_dropped_total"), 0);
}

TEST_F(WebhooksTest, AFailedStartIsAnErrorEvent) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  ASSERT_TRUE(start({"--webhook-url", receiver.url(), "--webhook-secret-file", secret_file_,
                     "--sim-start-failure-rate", "1"}));
  const std::string token = api().token_for("bob");
  const std::string id = api().launch_accepted(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually(5000, [&] { return !with_answer(receiver.received(), true).empty(); }));
  const ReceivedWebhook r = with_answer(receiver.received(), true).front();
  EXPECT_EQ(r.event_id, id + ".error");
  const Json body = Json::parse(r.body);
  EXPECT_EQ(body["type"].str(), "session.error");
  EXPECT_EQ(body["session"]["status"].str(), "error");
  EXPECT_EQ(body["session"]["endReason"].str(), "error");
  EXPECT_FALSE(body["session"]["error"]["code"].str().empty()) << r.body;
}

// A receiver's answer body is never used: a 200 with a big page (200 KiB, past any limit a
// buffered answer would have) is a delivery, not a failure retried for 24 h.
TEST_F(WebhooksTest, A200WithABigBodyIsDeliveredOnce) {
  WebhookReceiver receiver;
  ASSERT_TRUE(receiver.start());
  ASSERT_TRUE(receiver.set_mode("big"));
  ASSERT_TRUE(start({"--webhook-url", receiver.url(), "--webhook-secret-file", secret_file_}));
  const std::string token = api().token_for("alice");
  const std::string id = api().launch_running(token, game_body(kGame));
  ASSERT_FALSE(id.empty());
  api().stop_ok(token, id);
  ASSERT_TRUE(eventually(5000, [&] { return metric("ringside_webhook_deliveries_total") == 2; }))
      << "failures: " << metric("ringside_webhook_failures_total");
  // Past the first retry's wait (1 s): nothing was sent again.
  sleep_ms(1500);
  const auto all = receiver.received();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].event_id, id + ".running");
  EXPECT_EQ(all[1].event_id, id + ".stopped");
  EXPECT_EQ(all[0].answer, 200);
  EXPECT_EQ(metric("ringside_webhook_failures_total"), 0);
  EXPECT_EQ(metric("ringside_webhook_deliveries_total"), 2);
  EXPECT_EQ(metric("ringside_webhook_undelivered"), 0);
}

TEST_F(WebhooksTest, AUrlThatIsNotHttpIsRefusedAtStart) {
  for (const char* url : {"ftp://example.com/hook", "example.com/hook", "http://a,file:///x"}) {
    CompletedRun run = run_server_binary(
        {"--webhook-url", url, "--webhook-secret-file", secret_file_, "--listen", "127.0.0.1:0"});
    EXPECT_EQ(run.exit_status, 2) << url << ": " << run.output;
    EXPECT_NE(run.output.find("is not an http:// or https:// URL"), std::string::npos)
        << run.output;
  }
  // Named by its index and scheme://host, never its credentials, path or query.
  CompletedRun secret = run_server_binary(
      {"--webhook-url", "http://127.0.0.1:9/ok,ftp://us3rname:hunter2@example.com/T0KEN?key=K3Y",
       "--webhook-secret-file", secret_file_, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(secret.exit_status, 2) << secret.output;
  EXPECT_NE(secret.output.find("--webhook-url at index 1 (ftp://example.com) is not"),
            std::string::npos)
      << secret.output;
  for (const char* part : {"us3rname", "hunter2", "T0KEN", "K3Y"}) {
    EXPECT_EQ(secret.output.find(part), std::string::npos) << part << " in " << secret.output;
  }
  CompletedRun no_secret = run_server_binary({"--webhook-url", "http://127.0.0.1:9/hook"});
  EXPECT_EQ(no_secret.exit_status, 2) << no_secret.output;
  EXPECT_NE(no_secret.output.find("needs --webhook-secret-file"), std::string::npos)
      << no_secret.output;
  CompletedRun missing = run_server_binary(
      {"--webhook-url", "http://127.0.0.1:9/hook", "--webhook-secret-file", dir_ + "/none"});
  EXPECT_EQ(missing.exit_status, 2) << missing.output;
  CompletedRun no_room =
      run_server_binary({"--webhook-url", "http://127.0.0.1:9/hook", "--webhook-secret-file",
                         secret_file_, "--webhook-memory-events", "0"});
  EXPECT_EQ(no_room.exit_status, 2) << no_room.output;
}

}  // namespace
}  // namespace ringside::itest

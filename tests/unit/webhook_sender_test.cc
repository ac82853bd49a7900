// The webhook sender (backends/webhook/webhook_sender.h) with a fake transport and a clock of
// the test's own: the signature against a vector computed independently (Python's hmac), the
// retry schedule, one session's order, every URL, giving up, the memory cap, and a cluster
// partition leaving this node.
#include "backends/webhook/webhook_sender.h"

#include <gtest/gtest.h>

#include <bitset>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/log.h"
#include "model/webhook_signature.h"

namespace ringside {
namespace {

// python3 -c "import hmac,hashlib; print(hmac.new(b'whsec-test',
//   b'1700000000.{\"id\":\"s1.running\"}', hashlib.sha256).hexdigest())"
TEST(WebhookSignatureTest, MatchesAnIndependentHmacSha256) {
  EXPECT_EQ(webhook_signature("whsec-test", 1700000000, R"({"id":"s1.running"})"),
            "sha256=d618e54a893fc60c315b5d6800b4c334355dc51070d5db5053390ebde4c237ff");
}

TEST(WebhookRetryTest, DoublesFromOneSecondAndIsCappedAtTenMinutes) {
  const uint64_t first = 1000, cap = 600000;
  EXPECT_EQ(webhook_retry_delay_ms(1, first, cap), 1000u);
  EXPECT_EQ(webhook_retry_delay_ms(2, first, cap), 2000u);
  EXPECT_EQ(webhook_retry_delay_ms(3, first, cap), 4000u);
  EXPECT_EQ(webhook_retry_delay_ms(10, first, cap), 512000u);
  EXPECT_EQ(webhook_retry_delay_ms(11, first, cap), 600000u);
  EXPECT_EQ(webhook_retry_delay_ms(200, first, cap), 600000u);
}

struct Attempt {
  std::string url;
  std::vector<std::string> headers;
  std::string body;
  std::function<void(long)> done;

  std::string header(const std::string& name) const {
    for (const std::string& h : headers) {
      if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
    }
    return {};
  }
};

class WebhookSenderTest : public ::testing::Test {
 protected:
  void make(std::vector<std::string> urls, size_t memory_events = 100, bool durable = false,
            uint32_t concurrency = 64) {
    WebhookSenderOptions o;
    o.urls = std::move(urls);
    o.secret = "whsec-test";
    o.memory_events = memory_events;
    o.durable = durable;
    o.concurrency_per_url = concurrency;
    sender_ = std::make_unique<WebhookSender>(
        std::move(o), wheel_, [this] { return now_; }, [this] { return unix_ms_; },
        [this](const std::string& url, std::vector<std::string> headers, const std::string& body,
               uint32_t, std::function<void(long)> done) {
          attempts_.push_back({url, std::move(headers), body, std::move(done)});
        },
        metrics_, [this](const WebhookEvent& e) { finished_.push_back(e.id); });
  }

  static WebhookEvent event(const std::string& session, const std::string& kind) {
    WebhookEvent e;
    e.session = session;
    e.id = session + "." + kind;
    e.body = "{\"id\":\"" + e.id + "\"}";
    e.made_unix_ms = 1700000000000;
    return e;
  }

  // Answers the oldest attempt still waiting.
  Attempt answer(long status) {
    Attempt a = std::move(attempts_.front());
    attempts_.erase(attempts_.begin());
    a.done(status);
    return a;
  }

  void advance_to(uint64_t now) {
    now_ = now;
    wheel_.advance(now);
  }

  uint64_t now_ = 1000;
  int64_t unix_ms_ = 1700000000500;
  TimerWheel wheel_{10, 1024, 1000};
  WebhookMetrics metrics_;
  std::vector<Attempt> attempts_;
  std::vector<std::string> finished_;
  std::unique_ptr<WebhookSender> sender_;
};

TEST_F(WebhookSenderTest, SignsEachAttemptWithItsTimestamp) {
  make({"http://a/hook"});
  sender_->add(event("s1", "running"));
  ASSERT_EQ(attempts_.size(), 1u);
  const Attempt& a = attempts_[0];
  EXPECT_EQ(a.header("X-Ringside-Event-Id"), "s1.running");
  EXPECT_EQ(a.header("X-Ringside-Timestamp"), "1700000000");
  EXPECT_EQ(a.header("Content-Type"), "application/json");
  EXPECT_EQ(a.header("X-Ringside-Signature"),
            "sha256=d618e54a893fc60c315b5d6800b4c334355dc51070d5db5053390ebde4c237ff");
}

TEST_F(WebhookSenderTest, RetriesAfterOneTwoFourSecondsWithTheSameEventId) {
  make({"http://a/hook"});
  sender_->add(event("s1", "running"));
  answer(500);
  EXPECT_EQ(metrics_.failures.get(), 1u);
  advance_to(1990);
  EXPECT_TRUE(attempts_.empty()) << "retried before 1 s";
  advance_to(2010);
  ASSERT_EQ(attempts_.size(), 1u);
  answer(0);  // no answer in time
  advance_to(3990);
  EXPECT_TRUE(attempts_.empty()) << "retried before 2 s";
  advance_to(4020);
  ASSERT_EQ(attempts_.size(), 1u);
  answer(503);
  advance_to(8000);
  EXPECT_TRUE(attempts_.empty()) << "retried before 4 s";
  advance_to(8040);
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(answer(204).header("X-Ringside-Event-Id"), "s1.running");
  EXPECT_EQ(metrics_.deliveries.get(), 1u);
  EXPECT_EQ(metrics_.failures.get(), 3u);
  EXPECT_EQ(finished_, std::vector<std::string>{"s1.running"});
  EXPECT_EQ(metrics_.undelivered.get(), 0u);
}

TEST_F(WebhookSenderTest, OneSessionInOrderOthersNotHeldBack) {
  make({"http://a/hook"});
  sender_->add(event("s1", "running"));
  sender_->add(event("s1", "stopped"));
  sender_->add(event("s2", "running"));
  // s1's stop waits for its running; s2 does not wait for s1.
  ASSERT_EQ(attempts_.size(), 2u);
  EXPECT_EQ(attempts_[0].header("X-Ringside-Event-Id"), "s1.running");
  EXPECT_EQ(attempts_[1].header("X-Ringside-Event-Id"), "s2.running");
  answer(500);  // s1.running fails: s1.stopped still waits
  EXPECT_EQ(attempts_.size(), 1u);
  answer(200);  // s2.running
  EXPECT_EQ(attempts_.size(), 0u);
  advance_to(2100);
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s1.running");
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s1.stopped");
  EXPECT_EQ(finished_, (std::vector<std::string>{"s2.running", "s1.running", "s1.stopped"}));
}

TEST_F(WebhookSenderTest, EveryUrlGetsEveryEventAndADeadOneHoldsNoOtherBack) {
  make({"http://a/hook", "http://b/hook"});
  sender_->add(event("s1", "running"));
  ASSERT_EQ(attempts_.size(), 2u);
  EXPECT_EQ(attempts_[0].url, "http://a/hook");
  EXPECT_EQ(attempts_[1].url, "http://b/hook");
  answer(200);  // a
  answer(500);  // b
  EXPECT_TRUE(finished_.empty()) << "b has not had it";
  sender_->add(event("s1", "stopped"));
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(attempts_[0].url, "http://a/hook");
  answer(200);
  advance_to(2100);
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(attempts_[0].url, "http://b/hook");
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s1.running");
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s1.stopped");
  EXPECT_EQ(finished_, (std::vector<std::string>{"s1.running", "s1.stopped"}));
}

TEST_F(WebhookSenderTest, GivesUpAfterADayAndTheSessionGoesOn) {
  make({"http://a/hook"});
  sender_->add(event("s1", "running"));
  sender_->add(event("s1", "stopped"));
  answer(500);
  const uint64_t day = 24 * 3600 * 1000ull;
  while (now_ < 1000 + day + 600000) {
    advance_to(now_ + 1000);
    if (!attempts_.empty()) {
      if (attempts_[0].header("X-Ringside-Event-Id") != "s1.running") break;
      answer(500);
    }
  }
  EXPECT_EQ(metrics_.given_up.get(), 1u);
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s1.stopped");
  // About 24 h of retries at most 10 min apart: more than 144, fewer than 200.
  EXPECT_GT(metrics_.failures.get(), 144u);
  EXPECT_LT(metrics_.failures.get(), 200u);
}

// webhook_retrying and webhook_given_up name a URL by its index and scheme://host:port: never
// its user:password, path or query, where credentials live.
TEST_F(WebhookSenderTest, LogsAUrlByIndexAndOriginOnly) {
  set_log_level(LogLevel::kInfo);
  make({"http://a/hook", "https://us3r:pa55@hooks.example.com:8443/T000/S3CRETPATH?token=T0K"});
  testing::internal::CaptureStderr();
  sender_->add(event("s1", "running"));
  ASSERT_EQ(attempts_.size(), 2u);
  answer(204);
  answer(500);
  const uint64_t day = 24 * 3600 * 1000ull;
  while (metrics_.given_up.get() == 0 && now_ < 1000 + day + 600000) {
    advance_to(now_ + 1000);
    if (!attempts_.empty()) answer(500);
  }
  const std::string logged = testing::internal::GetCapturedStderr();
  EXPECT_EQ(metrics_.given_up.get(), 1u);
  for (const char* event : {"webhook_retrying", "webhook_given_up"}) {
    const size_t at = logged.find(event);
    ASSERT_NE(at, std::string::npos) << event << " not in:\n" << logged;
    const std::string line = logged.substr(at, logged.find('\n', at) - at);
    EXPECT_NE(line.find("url_index=1"), std::string::npos) << line;
    EXPECT_NE(line.find("url=https://hooks.example.com:8443"), std::string::npos) << line;
  }
  for (const char* secret : {"us3r", "pa55", "T000", "S3CRETPATH", "token", "T0K"}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " in:\n" << logged;
  }
}

TEST_F(WebhookSenderTest, WithoutADatabaseTheOldestIsDroppedPastTheCap) {
  make({"http://a/hook"}, 3, false, 1);
  for (const char* s : {"s0", "s1", "s2", "s3", "s4"}) sender_->add(event(s, "running"));
  EXPECT_EQ(metrics_.undelivered.get(), 3u);
  EXPECT_EQ(metrics_.dropped.get(), 2u);
  EXPECT_EQ(sender_->held(), 3u);
  // s0 was in flight when dropped: its answer moves on to the oldest kept, s2.
  ASSERT_EQ(attempts_.size(), 1u);
  answer(200);
  std::vector<std::string> sent;
  while (!attempts_.empty()) sent.push_back(answer(200).header("X-Ringside-Event-Id"));
  EXPECT_EQ(sent, (std::vector<std::string>{"s2.running", "s3.running", "s4.running"}));
  EXPECT_EQ(metrics_.undelivered.get(), 0u);
}

TEST_F(WebhookSenderTest, WithADatabaseMemoryRefusesPastTheCapAndDropsNothing) {
  make({"http://a/hook"}, 2, true);
  EXPECT_TRUE(sender_->add(event("s1", "running")));
  EXPECT_TRUE(sender_->add(event("s2", "running")));
  EXPECT_FALSE(sender_->add(event("s3", "running")));
  EXPECT_EQ(sender_->room(), 0u);
  EXPECT_EQ(metrics_.dropped.get(), 0u);
  answer(200);
  EXPECT_EQ(sender_->room(), 1u);
  EXPECT_TRUE(sender_->add(event("s3", "running")));
}

TEST_F(WebhookSenderTest, OldestUndeliveredIsTheOldestHeld) {
  make({"http://a/hook"});
  WebhookEvent first = event("s1", "running");
  first.made_unix_ms = 1000;
  WebhookEvent second = event("s2", "running");
  second.made_unix_ms = 2000;
  sender_->add(first);
  sender_->add(second);
  EXPECT_EQ(metrics_.oldest_undelivered_ms.get(), 1000u);
  answer(200);
  EXPECT_EQ(metrics_.oldest_undelivered_ms.get(), 2000u);
  answer(200);
  EXPECT_EQ(metrics_.oldest_undelivered_ms.get(), 0u);
}

TEST_F(WebhookSenderTest, ConcurrencyPerUrlIsBounded) {
  make({"http://a/hook"}, 100, false, 2);
  for (const char* s : {"s0", "s1", "s2", "s3", "s4"}) sender_->add(event(s, "running"));
  EXPECT_EQ(attempts_.size(), 2u);
  answer(200);
  EXPECT_EQ(attempts_.size(), 2u);
}

WebhookEvent of_partition(WebhookEvent e, uint16_t partition) {
  e.partition = partition;
  return e;
}

std::bitset<kPartitionCount> partitions(std::initializer_list<uint16_t> list) {
  std::bitset<kPartitionCount> set;
  for (uint16_t p : list) set.set(p);
  return set;
}

TEST_F(WebhookSenderTest, APartitionLeavingTakesItsEventsUnfinishedAndOthersGoOn) {
  make({"http://a/hook"}, 100, true, 1);
  sender_->add(of_partition(event("s1", "running"), 7));  // in flight
  sender_->add(of_partition(event("s2", "running"), 8));
  sender_->add(of_partition(event("s1", "stopped"), 7));
  sender_->add(of_partition(event("s3", "running"), 7));
  sender_->add(of_partition(event("s4", "running"), 9));
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(sender_->drop_partitions(partitions({7, 9})), 4u);
  EXPECT_EQ(metrics_.undelivered.get(), 1u);
  EXPECT_EQ(metrics_.dropped.get(), 0u);  // not lost: their rows stay for the next owner
  answer(200);  // s1.running's attempt, sent before: its answer finishes nothing
  ASSERT_EQ(attempts_.size(), 1u);
  EXPECT_EQ(answer(200).header("X-Ringside-Event-Id"), "s2.running");
  EXPECT_TRUE(attempts_.empty());
  EXPECT_EQ(finished_, std::vector<std::string>{"s2.running"});
  EXPECT_EQ(metrics_.undelivered.get(), 0u);
  // The partition back (acquired again): its events are taken anew, ids and all.
  EXPECT_TRUE(sender_->add(of_partition(event("s1", "running"), 7)));
  EXPECT_EQ(attempts_.size(), 1u);
}

TEST_F(WebhookSenderTest, APartitionLeavingCancelsItsRetries) {
  make({"http://a/hook"}, 100, true);
  sender_->add(of_partition(event("s1", "running"), 7));
  answer(500);  // a retry armed for 1 s later
  EXPECT_EQ(sender_->drop_partitions(partitions({7})), 1u);
  advance_to(5000);
  EXPECT_TRUE(attempts_.empty());
  EXPECT_TRUE(finished_.empty());
  EXPECT_EQ(sender_->held(), 0u);
}

}  // namespace
}  // namespace ringside

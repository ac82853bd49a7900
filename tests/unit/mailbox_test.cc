#include "core/mailbox.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/message_bus.h"

namespace ringside {
namespace {

struct Received {
  uint32_t from;
  uint16_t kind;
  std::string payload;
};

std::string pattern(size_t len, char seed) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; ++i) s[i] = static_cast<char>(seed + i * 7);
  return s;
}

// Two threads' mailboxes on small rings (1 KiB: messages of up to 504 bytes fit inline), used
// from one test thread: thread 0 sends, thread 1 drains.
class MailboxTest : public ::testing::Test {
 protected:
  void send(const std::string& payload, uint16_t kind = 7) {
    sender_.send_bytes(1, kind, payload.data(), static_cast<uint32_t>(payload.size()));
  }
  std::vector<Received> drain() {
    sender_.flush(nullptr, false);
    std::vector<Received> got;
    receiver_.drain(
        [&](uint32_t from, uint16_t kind, const void* p, uint32_t len) {
          got.push_back({from, kind, std::string(static_cast<const char*>(p), len)});
        },
        1000);
    return got;
  }

  MessageBus bus_{2, 1024};
  Mailbox sender_{bus_, 0};
  Mailbox receiver_{bus_, 1};
};

TEST_F(MailboxTest, SmallMessagesArriveInOrder) {
  send("one", 1);
  send("two", 2);
  std::vector<Received> got = drain();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].from, 0u);
  EXPECT_EQ(got[0].kind, 1);
  EXPECT_EQ(got[0].payload, "one");
  EXPECT_EQ(got[1].kind, 2);
  EXPECT_EQ(got[1].payload, "two");
}

// A message that can never fit the ring travels out of line, in its place in the order, and
// holds up nothing behind it.
TEST_F(MailboxTest, MessagesLargerThanTheRingArriveInOrderWithoutBlockingOthers) {
  ASSERT_LT(bus_.ring(0, 1).max_message(), 600u);
  for (int round = 0; round < 20; ++round) {
    const std::string big =
        pattern(5000 + static_cast<size_t>(round) * 333, static_cast<char>(round));
    send("before");
    send(big, 9);
    send("after");
    std::vector<Received> got = drain();
    ASSERT_EQ(got.size(), 3u) << "round " << round;
    EXPECT_EQ(got[0].payload, "before");
    EXPECT_EQ(got[1].kind, 9);
    EXPECT_EQ(got[1].payload, big) << "round " << round;
    EXPECT_EQ(got[2].payload, "after");
    EXPECT_FALSE(sender_.has_overflow());
  }
}

TEST_F(MailboxTest, LargeMessagesQueuedBehindAFullRingKeepTheirOrder) {
  std::vector<std::string> sent;
  for (int i = 0; i < 40; ++i) {
    sent.push_back(i % 5 == 0 ? pattern(3000, static_cast<char>(i))
                              : pattern(300, static_cast<char>(i)));
    send(sent.back());
  }
  EXPECT_TRUE(sender_.has_overflow());
  std::vector<std::string> got;
  for (int i = 0; i < 100 && got.size() < sent.size(); ++i) {
    for (Received& r : drain()) got.push_back(std::move(r.payload));
  }
  EXPECT_EQ(got, sent);
}

// Out-of-line blocks still in a ring or an overflow queue when the threads stop are freed
// (the address sanitizer build would report a leak otherwise).
TEST(MailboxShutdownTest, UndeliveredLargeMessagesAreFreed) {
  MessageBus bus(2, 1024);
  {
    Mailbox sender(bus, 0);
    // Each takes 16 bytes of the ring: some stay in the ring, the rest in the overflow queue.
    for (int i = 0; i < 100; ++i) {
      const std::string big = pattern(4000, static_cast<char>(i));
      sender.send_bytes(1, 3, big.data(), static_cast<uint32_t>(big.size()));
    }
    EXPECT_TRUE(sender.has_overflow());
  }
}

}  // namespace
}  // namespace ringside

// Typed messages on the bus (core/message.h): a send names no kind, the receiver's handler for
// the kind gets the decoded struct, a malformed payload never reaches it, a handler may refuse
// what decoded, a kind has one handler only, and a kind nobody registered is logged once, not
// once per message.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/mailbox.h"
#include "core/message.h"
#include "core/message_bus.h"

namespace ringside {
namespace {

constexpr uint32_t kSender = 0;
constexpr uint32_t kReceiver = 1;

struct Plain {
  static constexpr uint16_t kKind = 3;
  uint64_t value;
};

struct Empty {
  static constexpr uint16_t kKind = 4;
};

// A length-prefixed string: one byte of length, then the bytes.
struct Named {
  static constexpr uint16_t kKind = 5;
  std::string_view name;

  uint32_t encoded_size() const { return 1 + static_cast<uint32_t>(name.size()); }
  void encode(char* out) const {
    out[0] = static_cast<char>(name.size());
    name.copy(out + 1, name.size());
  }
  static bool decode(std::string_view in, Named* out) {
    if (in.empty() || in.size() != size_t{1} + static_cast<uint8_t>(in[0])) return false;
    out->name = in.substr(1);
    return true;
  }
};
// A value the receiver checks against what it has: above kMaxSlot is refused.
struct Slot {
  static constexpr uint16_t kKind = 6;
  uint32_t index;
};
constexpr uint32_t kMaxSlot = 9;
static_assert(PlainMessage<Plain> && PlainMessage<Empty> && EncodedMessage<Named>);

class Receiver {
 public:
  explicit Receiver(Mailbox& mailbox) {
    mailbox.set_handler<&Receiver::on_plain>(this);
    mailbox.set_handler<&Receiver::on_empty>(this);
    mailbox.set_handler<&Receiver::on_named>(this);
    mailbox.set_handler<&Receiver::on_slot>(this);
  }
  std::vector<std::string> got;

 private:
  void on_plain(uint32_t from, const Plain& m) {
    got.push_back("plain " + std::to_string(from) + " " + std::to_string(m.value));
  }
  void on_empty(const Empty&) { got.emplace_back("empty"); }
  void on_named(const Named& m) { got.push_back("named " + std::string(m.name)); }
  bool on_slot(const Slot& m) {
    if (m.index > kMaxSlot) return false;
    got.push_back("slot " + std::to_string(m.index));
    return true;
  }
};

class MessageDispatchTest : public ::testing::Test {
 protected:
  MessageBus bus_{2, 64 * 1024};
  Mailbox sender_{bus_, kSender};
  Mailbox receiver_{bus_, kReceiver};
  Receiver handlers_{receiver_};
};

TEST_F(MessageDispatchTest, EachKindReachesItsHandlerDecoded) {
  sender_.send(kReceiver, Plain{42});
  sender_.send(kReceiver, Empty{});
  sender_.send(kReceiver, Named{"alpha"});
  sender_.send(kReceiver, Named{""});
  EXPECT_EQ(receiver_.dispatch(100), 4u);
  EXPECT_EQ(handlers_.got,
            (std::vector<std::string>{"plain 0 42", "empty", "named alpha", "named "}));
  EXPECT_EQ(receiver_.malformed_total(), 0u);
}

TEST_F(MessageDispatchTest, AnEmptyMessageIsNoBytes) {
  sender_.send(kReceiver, Empty{});
  uint32_t len = 99;
  receiver_.drain([&](uint32_t, uint16_t, const void*, uint32_t n) { len = n; }, 1);
  EXPECT_EQ(len, 0u);
}

TEST_F(MessageDispatchTest, AMalformedMessageIsDroppedAndLogged) {
  const char bytes[16] = {};
  sender_.send_bytes(kReceiver, Plain::kKind, bytes, sizeof(Plain) - 1);  // short
  sender_.send_bytes(kReceiver, Plain::kKind, bytes, sizeof(Plain) + 1);  // long
  sender_.send_bytes(kReceiver, Empty::kKind, bytes, 1);
  sender_.send_bytes(kReceiver, Named::kKind,
                     "\x05"
                     "abc",
                     4);              // claims more than it has
  sender_.send(kReceiver, Plain{7});  // and a good one after
  testing::internal::CaptureStderr();
  EXPECT_EQ(receiver_.dispatch(100), 5u);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(handlers_.got, std::vector<std::string>{"plain 0 7"});
  size_t lines = 0;
  for (size_t at = log.find("message_malformed"); at != std::string::npos;
       at = log.find("message_malformed", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 4u) << log;
  EXPECT_EQ(receiver_.malformed_total(), 4u);
}

size_t count_lines(const std::string& log, std::string_view event) {
  size_t lines = 0;
  for (size_t at = log.find(event); at != std::string::npos; at = log.find(event, at + 1)) {
    ++lines;
  }
  return lines;
}

TEST_F(MessageDispatchTest, AHandlerRefusesAValueItCannotTake) {
  sender_.send(kReceiver, Slot{kMaxSlot});
  sender_.send(kReceiver, Slot{kMaxSlot + 1});
  sender_.send(kReceiver, Slot{UINT32_MAX});
  testing::internal::CaptureStderr();
  EXPECT_EQ(receiver_.dispatch(100), 3u);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(handlers_.got, std::vector<std::string>{"slot 9"});
  EXPECT_EQ(count_lines(log, "message_malformed"), 2u) << log;
  EXPECT_EQ(receiver_.malformed_total(), 2u);
}

TEST_F(MessageDispatchTest, ASecondHandlerForAKindAborts) {
  Mailbox other{bus_, kSender};
  Receiver first{other};
  EXPECT_DEATH(Receiver{other}, "message kind 3 already has a handler");
}

TEST_F(MessageDispatchTest, AnUnknownKindIsLoggedOncePerKind) {
  for (int i = 0; i < 3; ++i) sender_.send_bytes(kReceiver, 40, "x", 1);
  for (int i = 0; i < 2; ++i) sender_.send_bytes(kReceiver, 41, nullptr, 0);
  sender_.send_bytes(kReceiver, UINT16_MAX, nullptr, 0);  // past the table
  sender_.send(kReceiver, Plain{1});
  testing::internal::CaptureStderr();
  EXPECT_EQ(receiver_.dispatch(100), 7u);
  for (int i = 0; i < 2; ++i) sender_.send_bytes(kReceiver, 40, "x", 1);
  EXPECT_EQ(receiver_.dispatch(100), 2u);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(handlers_.got, std::vector<std::string>{"plain 0 1"});
  size_t lines = 0;
  for (size_t at = log.find("unknown_message"); at != std::string::npos;
       at = log.find("unknown_message", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 3u) << log;  // kinds 40, 41 and 65535
}

}  // namespace
}  // namespace ringside

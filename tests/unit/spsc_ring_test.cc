#include "core/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace ringside {
namespace {

// Pushes `bytes` as one message; false when the ring is full.
bool push(SpscRing& ring, const std::string& bytes) {
  void* p = ring.try_reserve(static_cast<uint32_t>(bytes.size()));
  if (!p) return false;
  std::memcpy(p, bytes.data(), bytes.size());
  ring.commit();
  return true;
}

// Pops one message into a string; false when the ring is empty.
bool pop(SpscRing& ring, std::string& out) {
  SpscRing::Message m;
  if (!ring.peek(m)) return false;
  out.assign(static_cast<const char*>(m.data), m.len);
  ring.pop();
  return true;
}

std::string pattern(size_t len, char seed) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; ++i) s[i] = static_cast<char>(seed + i * 7);
  return s;
}

TEST(SpscRing, CapacityIsRoundedUpAndBoundsTheLargestMessage) {
  SpscRing ring(1000);
  EXPECT_EQ(ring.capacity(), 1024u);
  EXPECT_EQ(ring.max_message(), 1024u / 2 - 8);
  EXPECT_EQ(SpscRing(1 << 16).capacity(), size_t{1} << 16);
}

TEST(SpscRing, KeepsOrderAndExactBytesOfVariableLengthMessages) {
  SpscRing ring(4096);
  std::vector<std::string> sent;
  for (size_t len = 0; len < 40; ++len) {
    sent.push_back(pattern(len, static_cast<char>(len)));
    ASSERT_TRUE(push(ring, sent.back()));
  }
  std::string got;
  for (const std::string& want : sent) {
    ASSERT_TRUE(pop(ring, got));
    EXPECT_EQ(got, want);
  }
  EXPECT_FALSE(pop(ring, got));
}

TEST(SpscRing, PeekReturnsTheSameMessageUntilPop) {
  SpscRing ring(256);
  ASSERT_TRUE(push(ring, "first"));
  ASSERT_TRUE(push(ring, "second"));
  SpscRing::Message a;
  SpscRing::Message b;
  ASSERT_TRUE(ring.peek(a));
  ASSERT_TRUE(ring.peek(b));
  EXPECT_EQ(a.data, b.data);
  EXPECT_EQ(std::string(static_cast<const char*>(a.data), a.len), "first");
  ring.pop();
  ASSERT_TRUE(ring.peek(b));
  EXPECT_EQ(std::string(static_cast<const char*>(b.data), b.len), "second");
}

TEST(SpscRing, MessagesAreEightByteAligned) {
  SpscRing ring(1024);
  for (uint32_t len = 1; len < 30; ++len) {
    void* p = ring.try_reserve(len);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 8, 0u) << len;
    ring.commit();
    SpscRing::Message m;
    ASSERT_TRUE(ring.peek(m));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(m.data) % 8, 0u) << len;
    EXPECT_EQ(m.len, len);
    ring.pop();
  }
}

TEST(SpscRing, UncommittedMessageIsInvisible) {
  SpscRing ring(256);
  ASSERT_NE(ring.try_reserve(16), nullptr);
  EXPECT_TRUE(ring.empty());
  SpscRing::Message m;
  EXPECT_FALSE(ring.peek(m));
  ring.commit();
  EXPECT_FALSE(ring.empty());
  ASSERT_TRUE(ring.peek(m));
  ring.pop();
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, FullRingRefusesThenAcceptsAfterPop) {
  SpscRing ring(1024);
  // 56-byte payloads take 64 bytes with their header: exactly 16 fit.
  int pushed = 0;
  while (push(ring, pattern(56, static_cast<char>(pushed)))) ++pushed;
  EXPECT_EQ(pushed, 16);
  EXPECT_EQ(ring.try_reserve(0), nullptr);

  std::string got;
  ASSERT_TRUE(pop(ring, got));
  EXPECT_EQ(got, pattern(56, 0));
  EXPECT_TRUE(push(ring, pattern(56, 99)));
  EXPECT_FALSE(push(ring, pattern(56, 100)));
  for (int i = 1; i < 16; ++i) {
    ASSERT_TRUE(pop(ring, got));
    EXPECT_EQ(got, pattern(56, static_cast<char>(i)));
  }
  ASSERT_TRUE(pop(ring, got));
  EXPECT_EQ(got, pattern(56, 99));
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, MessageThatDoesNotFitBeforeTheEndWrapsToTheStart) {
  SpscRing ring(256);
  // Records of 96 bytes: two take 192, leaving 64 before the end.
  std::string got;
  void* first = ring.try_reserve(88);
  ASSERT_NE(first, nullptr);
  ring.commit();
  ASSERT_TRUE(push(ring, pattern(88, 'b')));
  ASSERT_TRUE(pop(ring, got));
  ASSERT_TRUE(pop(ring, got));

  // The third goes to the start of the buffer, the 64 bytes at the end become padding.
  const std::string third = pattern(88, 'c');
  void* p = ring.try_reserve(88);
  EXPECT_EQ(p, first);
  std::memcpy(p, third.data(), third.size());
  ring.commit();
  ASSERT_TRUE(pop(ring, got));
  EXPECT_EQ(got, third);
  EXPECT_TRUE(ring.empty());
}

TEST(SpscRing, PaddingCountsAgainstFreeSpace) {
  SpscRing ring(256);
  ASSERT_TRUE(push(ring, pattern(88, 'a')));  // [0, 96)
  ASSERT_TRUE(push(ring, pattern(88, 'b')));  // [96, 192)
  std::string got;
  ASSERT_TRUE(pop(ring, got));  // frees [0, 96)
  // 160 bytes are free, but in two pieces: 64 at the end and 96 at the start. A 104-byte
  // record fits in neither; a 96-byte one takes the start and pads the end, filling the ring.
  EXPECT_FALSE(push(ring, pattern(96, 'x')));
  ASSERT_TRUE(push(ring, pattern(88, 'c')));
  EXPECT_FALSE(push(ring, pattern(8, 'd')));
  ASSERT_TRUE(pop(ring, got));
  EXPECT_EQ(got, pattern(88, 'b'));
  ASSERT_TRUE(pop(ring, got));
  EXPECT_EQ(got, pattern(88, 'c'));
}

TEST(SpscRing, LargestMessageFitsAtEveryPositionOnceDrained) {
  SpscRing ring(512);
  const std::string big = pattern(ring.max_message(), 'x');
  std::string got;
  for (size_t offset = 0; offset < ring.capacity(); offset += 8) {
    ASSERT_TRUE(push(ring, big)) << "write position " << offset;
    ASSERT_TRUE(pop(ring, got));
    ASSERT_EQ(got, big);
    // Move the write position 8 bytes further than the big record did.
    ASSERT_TRUE(push(ring, ""));
    ASSERT_TRUE(pop(ring, got));
    ASSERT_TRUE(got.empty());
  }
}

// Message layout in the stress test: sequence number, checksum of the payload, payload.
struct StressHeader {
  uint64_t seq;
  uint64_t checksum;
};

uint32_t stress_len(uint64_t seq) { return sizeof(StressHeader) + (seq * 7919) % 241; }

uint64_t fnv1a(const unsigned char* p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

TEST(SpscRing, TwoThreadsStress) {
  constexpr uint64_t kMessages = 1'000'000;
  SpscRing ring(size_t{16} * 1024);

  std::thread producer([&ring] {
    for (uint64_t seq = 0; seq < kMessages; ++seq) {
      const uint32_t len = stress_len(seq);
      void* p;
      while ((p = ring.try_reserve(len)) == nullptr) std::this_thread::yield();
      auto* bytes = static_cast<unsigned char*>(p);
      unsigned char* payload = bytes + sizeof(StressHeader);
      const size_t payload_len = len - sizeof(StressHeader);
      uint64_t x = seq * 0x9E3779B97F4A7C15ull + 1;
      for (size_t i = 0; i < payload_len; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        payload[i] = static_cast<unsigned char>(x);
      }
      const StressHeader h{seq, fnv1a(payload, payload_len)};
      std::memcpy(bytes, &h, sizeof h);
      ring.commit();
    }
  });

  uint64_t bad = 0;
  for (uint64_t expected = 0; expected < kMessages; ++expected) {
    SpscRing::Message m;
    while (!ring.peek(m)) std::this_thread::yield();
    StressHeader h;
    std::memcpy(&h, m.data, sizeof h);
    const auto* payload = static_cast<const unsigned char*>(m.data) + sizeof h;
    if (h.seq != expected || m.len != stress_len(expected) ||
        h.checksum != fnv1a(payload, m.len - sizeof h)) {
      if (bad++ < 5) {
        ADD_FAILURE() << "message " << expected << ": seq " << h.seq << ", len " << m.len;
      }
    }
    ring.pop();
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_TRUE(ring.empty());
}

}  // namespace
}  // namespace ringside

#include "model/token_hash.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <thread>

namespace ringside {
namespace {

// FIPS 180-2 / NIST test vectors.
TEST(TokenHash, MatchesSha256TestVectors) {
  EXPECT_EQ(token_hash_hex(hash_token("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(token_hash_hex(hash_token("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(token_hash_hex(hash_token("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(token_hash_hex(hash_token(std::string(1'000'000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// A token-shaped input (29 chars); expected value from Python's hashlib.sha256.
TEST(TokenHash, HashesTokenShapedInput) {
  EXPECT_EQ(token_hash_hex(hash_token("st" + std::string(27, 'a'))),
            "9e46a8c05800119b65bc299a3e38acb375bb4350ac85415b1ef215a2f0cd1ad7");
}

TEST(TokenHash, HashesOnlyTheViewedBytes) {
  const char buffer[] = "abcXYZ";
  EXPECT_EQ(hash_token(std::string_view(buffer, 3)), hash_token("abc"));
}

TEST(TokenHash, EqualityFollowsTheToken) {
  EXPECT_EQ(hash_token("tok-1"), hash_token("tok-1"));
  EXPECT_FALSE(hash_token("tok-1") == hash_token("tok-2"));
}

TEST(TokenHash, Prefix64IsTheFirstEightBytes) {
  TokenHash h = hash_token("abc");
  uint64_t expected;
  std::memcpy(&expected, h.bytes.data(), sizeof expected);
  EXPECT_EQ(h.prefix64(), expected);
  EXPECT_NE(hash_token("abc").prefix64(), hash_token("abd").prefix64());
}

TEST(TokenHash, GivesTheSameAnswerOnEveryThread) {
  TokenHash main_thread = hash_token("abc");
  TokenHash other_thread;
  std::thread([&] { other_thread = hash_token("abc"); }).join();
  EXPECT_EQ(main_thread, other_thread);
}

}  // namespace
}  // namespace ringside

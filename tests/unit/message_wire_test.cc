// The wire form of the messages that will travel between nodes (model/messages.h): every field
// survives a round trip, and decoding refuses another version, every truncation, trailing
// bytes, enum values out of range, strings past their documented limits and launch fields on
// the wrong route.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "model/identifiers.h"
#include "model/messages.h"
#include "tests/unit/wire_encode.h"

namespace ringside {
namespace {

template <class T>
bool decodes(std::string_view in, T* out) {
  return T::decode(in, out);
}

// Encodes `m` and decodes it into `got`, whose views point into the encoding (kept until the
// next call).
template <class T>
bool round_trip(const T& m, T* got) {
  static std::string bytes;
  bytes = encode(m);
  return decodes(bytes, got);
}

// Every proper prefix is refused, one byte more is refused, another version is refused.
template <class T>
void expect_refusals(const T& m) {
  const std::string bytes = encode(m);
  T out;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decodes(std::string_view(bytes).substr(0, n), &out)) << "prefix of " << n;
  }
  EXPECT_FALSE(decodes(bytes + '\0', &out)) << "a trailing byte";
  std::string other = bytes;
  other[0] = static_cast<char>(kWireVersion + 1);
  EXPECT_FALSE(decodes(other, &out)) << "another version";
  other[0] = 0;
  EXPECT_FALSE(decodes(other, &out)) << "version 0";
  EXPECT_TRUE(decodes(bytes, &out));
}

const std::string kMax16(UINT16_MAX, 'x');  // the longest string a 16-bit length holds

// `set(m, s)` puts `s` into a string field limited to `max` bytes: exactly `max` decodes, one
// byte more does not.
template <class T, class Set>
void expect_limit(T m, size_t max, Set set) {
  const std::string at(max, 'x');
  const std::string over(max + 1, 'x');
  T got;
  set(m, at);
  EXPECT_TRUE(decodes(encode(m), &got)) << "exactly " << max << " bytes";
  set(m, over);
  EXPECT_FALSE(decodes(encode(m), &got)) << "one byte over " << max;
}

constexpr Id128 kSession{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
constexpr Id128 kSlot{UINT64_MAX, 1};

TEST(MessageWire, PlaceSessionRoundTrips) {
  const std::string longest(kMaxPlayerIdBytes, 'p');
  for (std::string_view player :
       {std::string_view(""), std::string_view("player-1"), std::string_view(longest)}) {
    PlaceSession m;
    m.session = kSession;
    m.save_slot = kSlot;
    m.game = UINT32_MAX;
    m.owner_shard = 0xBEEF;
    m.session_owner = IdOwner::partition(1023);
    m.slot_owner = IdOwner{7, true};
    m.fresh_slot = true;
    m.player_id = player;
    const std::string bytes = encode(m);
    EXPECT_EQ(bytes[0], static_cast<char>(kWireVersion));
    PlaceSession got;
    ASSERT_TRUE(decodes(bytes, &got));
    EXPECT_EQ(got.session, m.session);
    EXPECT_EQ(got.save_slot, m.save_slot);
    EXPECT_EQ(got.game, m.game);
    EXPECT_EQ(got.owner_shard, m.owner_shard);
    EXPECT_EQ(got.session_owner, m.session_owner);
    EXPECT_EQ(got.slot_owner, m.slot_owner);
    EXPECT_TRUE(got.fresh_slot);
    EXPECT_EQ(got.player_id, player);
    expect_refusals(m);
  }
}

TEST(MessageWire, PlaceSessionRefusesAPlayerIdPastItsLimit) {
  expect_limit(PlaceSession{}, kMaxPlayerIdBytes,
               [](PlaceSession& m, std::string_view s) { m.player_id = s; });
}

TEST(MessageWire, PlaceSessionIsLittleEndianWithExplicitLengths) {
  PlaceSession m;
  m.session = {0x0102030405060708ULL, 0x1112131415161718ULL};
  m.save_slot = {0, 0};
  m.game = 0x21222324;
  m.owner_shard = 0x3132;
  m.session_owner = IdOwner::partition(0x0102);
  m.slot_owner = IdOwner{0x0304, true};
  m.fresh_slot = false;
  m.player_id = "ab";
  const std::string bytes = encode(m);
  const std::string expected(
      "\x01"
      "\x08\x07\x06\x05\x04\x03\x02\x01\x18\x17\x16\x15\x14\x13\x12\x11"
      "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
      "\x24\x23\x22\x21"
      "\x32\x31"
      "\x02\x01"
      "\x04\x83"
      "\x00"
      "\x02\x00"
      "ab",
      1 + 16 + 16 + 4 + 2 + 2 + 2 + 1 + 2 + 2);
  EXPECT_EQ(bytes, expected);
}

TEST(MessageWire, PlaceSessionRefusesABoolThatIsNotZeroOrOne) {
  PlaceSession m;
  m.player_id = "p";
  std::string bytes = encode(m);
  const size_t fresh_at = 1 + 16 + 16 + 4 + 2 + 2 + 2;
  bytes[fresh_at] = 2;
  PlaceSession got;
  EXPECT_FALSE(decodes(bytes, &got));
}

// An owner is 10 bits and the legacy flag: anything else is no id's owner.
TEST(MessageWire, PlaceSessionRefusesAnOwnerPastTheTwoChars) {
  PlaceSession m;
  m.player_id = "p";
  const size_t session_owner_at = 1 + 16 + 16 + 4 + 2;
  for (uint16_t bad : {uint16_t{1024}, uint16_t{0x8400}, uint16_t{0x4000}}) {
    std::string bytes = encode(m);
    bytes[session_owner_at] = static_cast<char>(bad & 0xff);
    bytes[session_owner_at + 1] = static_cast<char>(bad >> 8);
    PlaceSession got;
    EXPECT_FALSE(decodes(bytes, &got)) << bad;
  }
}

TEST(MessageWire, StopSessionRoundTrips) {
  StopSession got;
  ASSERT_TRUE(round_trip(StopSession{kSession}, &got));
  EXPECT_EQ(got.session, kSession);
  expect_refusals(StopSession{kSession});
}

TEST(MessageWire, StopForReasonCarriesTheReasonsAnOperatorOrALimitGives) {
  for (EndReason reason : {EndReason::kIdleTimeout, EndReason::kMaxDuration,
                           EndReason::kOperatorStop, EndReason::kServerDrained}) {
    StopForReason got;
    ASSERT_TRUE(round_trip(StopForReason{kSession, reason}, &got));
    EXPECT_EQ(got.session, kSession);
    EXPECT_EQ(got.reason, reason);
    expect_refusals(StopForReason{kSession, reason});
  }
  for (EndReason reason : {EndReason::kNone, EndReason::kStopped, EndReason::kError}) {
    StopForReason got;
    EXPECT_FALSE(round_trip(StopForReason{kSession, reason}, &got))
        << "reason " << static_cast<int>(reason);
  }
  std::string bytes = encode(StopForReason{kSession, EndReason::kServerDrained});
  bytes[1 + 16] = static_cast<char>(static_cast<uint8_t>(kLastEndReason) + 1);
  StopForReason got;
  EXPECT_FALSE(decodes(bytes, &got)) << "a reason past the last";
}

TEST(MessageWire, SessionPhaseUpdateRoundTripsEveryPhase) {
  for (StartPhase phase : {StartPhase::kQueued, StartPhase::kPulling, StartPhase::kCreating}) {
    const SessionPhaseUpdate m{kSession, phase, 0xA1B2C3D4, 0x01020304};
    SessionPhaseUpdate got;
    ASSERT_TRUE(round_trip(m, &got));
    EXPECT_EQ(got.session, kSession);
    EXPECT_EQ(got.phase, phase);
    EXPECT_EQ(got.server, 0xA1B2C3D4u);
    EXPECT_EQ(got.queue_ticket, 0x01020304u);
    expect_refusals(m);
  }
  std::string bytes = encode(SessionPhaseUpdate{kSession, StartPhase::kQueued, 0});
  bytes[1 + 16] = static_cast<char>(static_cast<uint8_t>(kLastStartPhase) + 1);
  SessionPhaseUpdate got;
  EXPECT_FALSE(decodes(bytes, &got)) << "a phase past the last";
}

TEST(MessageWire, SessionRunningRoundTrips) {
  const SessionRunning m{kSession, UINT32_MAX, StartKind::kWarm};
  SessionRunning got;
  ASSERT_TRUE(round_trip(m, &got));
  EXPECT_EQ(got.session, kSession);
  EXPECT_EQ(got.server, UINT32_MAX);
  EXPECT_EQ(got.start_kind, StartKind::kWarm);
  expect_refusals(m);
  std::string bytes = encode(m);
  bytes.back() = static_cast<char>(static_cast<uint8_t>(kLastStartKind) + 1);
  EXPECT_FALSE(decodes(bytes, &got)) << "a start kind past the last";
}

TEST(MessageWire, SessionUrlRoundTrips) {
  const std::string longest(SessionUrl::kMaxUrlBytes, 'u');
  for (std::string_view url :
       {std::string_view(""), std::string_view("https://gs01.example.test:7777/s?x=1"),
        std::string_view(longest)}) {
    const SessionUrl m{kSession, url};
    SessionUrl got;
    ASSERT_TRUE(round_trip(m, &got));
    EXPECT_EQ(got.session, kSession);
    EXPECT_EQ(got.url, url);
    expect_refusals(m);
  }
}

TEST(MessageWire, SessionUrlRefusesAUrlPastItsLimit) {
  expect_limit(SessionUrl{kSession, {}}, SessionUrl::kMaxUrlBytes,
               [](SessionUrl& m, std::string_view s) { m.url = s; });
}

// A sender bug, not input: a string longer than a 16-bit length would encode a message that
// cannot decode, so the encoder aborts.
TEST(MessageWireDeathTest, AStringPastASixteenBitLengthIsNotEncoded) {
  const std::string too_long(size_t{UINT16_MAX} + 1, 'x');
  EXPECT_DEATH(encode(SessionUrl{kSession, too_long}), "str16 given 65536 bytes");
}

TEST(MessageWire, SessionUrlRefusesALengthPastTheEnd) {
  std::string bytes = encode(SessionUrl{kSession, "abc"});
  bytes[1 + 16] = 4;  // claims 4 bytes, 3 follow
  SessionUrl got;
  EXPECT_FALSE(decodes(bytes, &got));
}

TEST(MessageWire, SessionFailedRoundTripsEveryError) {
  for (uint8_t e = 0; e <= static_cast<uint8_t>(kLastSessionError); ++e) {
    const SessionFailed m{kSession, static_cast<SessionError>(e)};
    SessionFailed got;
    ASSERT_TRUE(round_trip(m, &got));
    EXPECT_EQ(got.session, kSession);
    EXPECT_EQ(got.error, m.error);
    expect_refusals(m);
  }
  std::string bytes = encode(SessionFailed{kSession, SessionError::kNone});
  bytes[1 + 16] = static_cast<char>(static_cast<uint8_t>(kLastSessionError) + 1);
  SessionFailed got;
  EXPECT_FALSE(decodes(bytes, &got)) << "an error past the last";
}

TEST(MessageWire, SessionStoppedRoundTripsFiguresIncludingNaN) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const SessionFigures cases[] = {
      {},
      {1234.5, 768.25, UINT64_MAX, SaveError::kFailed, UINT32_MAX},
      {nan, nan, 0, SaveError::kNone, 0},
      {-0.0, std::numeric_limits<double>::infinity(), 1, SaveError::kTooLarge, 1},
  };
  for (const SessionFigures& f : cases) {
    const SessionStopped m{kSession, f};
    SessionStopped got;
    ASSERT_TRUE(round_trip(m, &got));
    EXPECT_EQ(got.session, kSession);
    // The same bits, NaN and the sign of zero included.
    EXPECT_EQ(std::bit_cast<uint64_t>(got.figures.cpu_seconds),
              std::bit_cast<uint64_t>(f.cpu_seconds));
    EXPECT_EQ(std::bit_cast<uint64_t>(got.figures.peak_memory_mb),
              std::bit_cast<uint64_t>(f.peak_memory_mb));
    EXPECT_EQ(got.figures.save_bytes, f.save_bytes);
    EXPECT_EQ(got.figures.save_error, f.save_error);
    EXPECT_EQ(got.figures.cpu_window_ms, f.cpu_window_ms);
    expect_refusals(m);
  }
  std::string bytes = encode(SessionStopped{kSession, {}});
  bytes[1 + 16 + 8 + 8 + 8] = static_cast<char>(kSaveErrorCount);
  SessionStopped got;
  EXPECT_FALSE(decodes(bytes, &got)) << "a save error past the last";
}

ForwardRequest forward_request(std::string_view token, std::string_view body) {
  ForwardRequest m;
  m.ref = {UINT32_MAX, 0x12345678};
  m.route = 0xABCD;
  m.token = token;
  m.param = "s0bqwertyuiopasdfghjklzxcvb";
  m.query = "sessionId=s0b&limit=10";
  m.body = body;
  return m;
}

void expect_same(const ForwardRequest& got, const ForwardRequest& m) {
  EXPECT_EQ(got.ref.index, m.ref.index);
  EXPECT_EQ(got.ref.generation, m.ref.generation);
  EXPECT_EQ(got.route, m.route);
  EXPECT_EQ(got.token, m.token);
  EXPECT_EQ(got.param, m.param);
  EXPECT_EQ(got.query, m.query);
  EXPECT_TRUE(got.body == m.body);
  EXPECT_EQ(got.has_launch, m.has_launch);
  EXPECT_EQ(got.launch.player_id, m.launch.player_id);
  EXPECT_EQ(got.has_game_slug, m.has_game_slug);
  EXPECT_EQ(got.launch.game_slug, m.launch.game_slug);
  EXPECT_EQ(got.has_lobby_url, m.has_lobby_url);
  EXPECT_EQ(got.launch.lobby_url, m.launch.lobby_url);
}

TEST(MessageWire, ForwardRequestRoundTrips) {
  const std::string big_body(size_t{1} << 17, 'b');  // past any 16-bit length
  for (const ForwardRequest& m :
       {forward_request("", ""), forward_request("t0babcdef", R"({"a":1})"),
        forward_request(kMax16, big_body)}) {
    ForwardRequest got;
    ASSERT_TRUE(round_trip(m, &got));
    expect_same(got, m);
  }
  expect_refusals(forward_request("t0b", "{}"));
}

// An operator launch as the shard where it arrived forwards it.
ForwardRequest forward_launch() {
  ForwardRequest m = forward_request("", "");
  m.route = ForwardRequest::kOperatorLaunchRoute;
  m.has_launch = true;
  return m;
}

TEST(MessageWire, ForwardRequestCarriesAnOperatorLaunchsFields) {
  ForwardRequest m = forward_launch();
  m.launch.player_id = "player-1";
  m.has_game_slug = true;
  m.launch.game_slug = "alpha";
  m.has_lobby_url = true;
  m.launch.lobby_url = "https://lobby.example.test/?a=b";
  ForwardRequest got;
  ASSERT_TRUE(round_trip(m, &got));
  expect_same(got, m);
  expect_refusals(m);

  // Absent options stay absent; present but empty ones stay present.
  m.has_game_slug = false;
  m.launch.game_slug = {};
  m.launch.lobby_url = "";
  ASSERT_TRUE(round_trip(m, &got));
  expect_same(got, m);
  expect_refusals(m);

  const std::string player(kMaxPlayerIdBytes, 'p'), slug(kMaxSlugBytes, 's'),
      lobby(kMaxLobbyUrlBytes, 'l');
  m.launch.player_id = player;
  m.has_game_slug = true;
  m.launch.game_slug = slug;
  m.launch.lobby_url = lobby;
  ASSERT_TRUE(round_trip(m, &got));
  expect_same(got, m);
}

TEST(MessageWire, ForwardRequestRefusesLaunchFieldsPastTheirLimits) {
  ForwardRequest m = forward_launch();
  m.has_game_slug = true;
  m.has_lobby_url = true;
  expect_limit(m, kMaxPlayerIdBytes,
               [](ForwardRequest& f, std::string_view s) { f.launch.player_id = s; });
  expect_limit(m, kMaxSlugBytes,
               [](ForwardRequest& f, std::string_view s) { f.launch.game_slug = s; });
  expect_limit(m, kMaxLobbyUrlBytes,
               [](ForwardRequest& f, std::string_view s) { f.launch.lobby_url = s; });
}

TEST(MessageWire, ForwardRequestRefusesLaunchFieldsOnAnotherRouteAndTheLaunchWithout) {
  ForwardRequest m = forward_launch();
  ForwardRequest got;
  ASSERT_TRUE(round_trip(m, &got));
  m.route = ForwardRequest::kOperatorLaunchRoute + 1;
  EXPECT_FALSE(round_trip(m, &got)) << "launch fields on another route";
  m.route = ForwardRequest::kOperatorLaunchRoute;
  m.has_launch = false;
  EXPECT_FALSE(round_trip(m, &got)) << "the operator launch route without its fields";
}

TEST(MessageWire, ForwardRequestDecodedIntoAgainKeepsNoLaunchOfThePreviousOne) {
  ForwardRequest launch = forward_launch();
  launch.launch.player_id = "p-1";
  launch.has_game_slug = true;
  launch.launch.game_slug = "alpha";
  launch.has_lobby_url = true;
  launch.launch.lobby_url = "https://lobby.test/";
  const std::string launch_bytes = encode(launch);
  const ForwardRequest plain = forward_request("t0b", "{}");
  const std::string plain_bytes = encode(plain);

  ForwardRequest got;
  ASSERT_TRUE(decodes(launch_bytes, &got));
  expect_same(got, launch);
  ASSERT_TRUE(decodes(plain_bytes, &got));  // into the same struct
  expect_same(got, plain);
}

TEST(MessageWire, ForwardRequestRefusesAPresenceByteThatIsNotZeroOrOne) {
  ForwardRequest m = forward_launch();
  std::string bytes = encode(m);
  bytes[bytes.size() - 2] = 2;  // game_slug's presence byte (lobby_url's follows)
  ForwardRequest got;
  EXPECT_FALSE(decodes(bytes, &got));
}

TEST(MessageWire, ForwardReplyRoundTrips) {
  const std::string big_body(size_t{1} << 17, 'j');
  for (ReplyContent content : {ReplyContent::kJson, ReplyContent::kPrometheusText}) {
    for (bool close : {false, true}) {
      for (std::string_view body : {std::string_view(""), std::string_view(big_body)}) {
        ForwardReply m;
        m.ref = {7, UINT32_MAX};
        m.status = 503;
        m.route = UINT16_MAX;
        m.content = content;
        m.close = close;
        m.headers = close ? std::string_view(kMax16) : std::string_view("Retry-After: 1\r\n");
        m.body = body;
        ForwardReply got;
        ASSERT_TRUE(round_trip(m, &got));
        EXPECT_EQ(got.ref.index, 7u);
        EXPECT_EQ(got.ref.generation, UINT32_MAX);
        EXPECT_EQ(got.status, 503);
        EXPECT_EQ(got.route, UINT16_MAX);
        EXPECT_EQ(got.content, content);
        EXPECT_EQ(got.close, close);
        EXPECT_EQ(got.headers, m.headers);
        EXPECT_TRUE(got.body == m.body);
      }
    }
  }
  ForwardReply small;
  small.body = R"({"ok":true})";
  expect_refusals(small);
  std::string bytes = encode(small);
  bytes[1 + 8 + 2 + 2] = 2;  // content type past the last
  ForwardReply got;
  EXPECT_FALSE(decodes(bytes, &got));
}

}  // namespace
}  // namespace ringside

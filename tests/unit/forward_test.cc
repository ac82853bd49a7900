#include "api/forward.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/routes.h"
#include "app/process.h"
#include "core/byte_buffer.h"
#include "core/mailbox.h"
#include "core/message_bus.h"
#include "http/limits.h"
#include "http/reply.h"
#include "model/messages.h"

namespace ringside {
namespace {

constexpr uint32_t kSender = 0;
constexpr uint32_t kOwner = 1;
constexpr std::string_view kMetricsType = "text/plain; version=0.0.4";

// Route ids for calls that are not operator launches (whose body travels read, not as bytes).
uint16_t route_of(int i) { return static_cast<uint16_t>(100 + i); }

// What came out of the owner's mailbox, copied before the message is popped.
struct ReceivedCall {
  uint32_t from;
  uint16_t kind;
  ConnRef ref;
  uint16_t route;
  std::string token, param, query, body;
};

struct ReceivedReply {
  uint32_t from;
  uint16_t kind;
  ConnRef ref;
  uint16_t status;
  uint16_t route;
  std::string content_type, headers, body;
  bool close;
};

// Two threads' ends of a bus sized as the server sizes it, both driven from the test's thread:
// the sender's mailbox sends, the owner's drains.
class ForwardTest : public ::testing::Test {
 protected:
  std::vector<ReceivedCall> drain_calls() {
    std::vector<ReceivedCall> got;
    for (;;) {
      sender_.flush(nullptr, false);  // moves messages that waited for room in the ring
      const size_t n = owner_.drain(
          [&](uint32_t from, uint16_t kind, const void* payload, uint32_t len) {
            ReceivedCall r{from, kind, {}, 0, {}, {}, {}, {}};
            ForwardRequest m;
            ASSERT_TRUE(decode_message(payload, len, &m));
            PlayerCall call;
            OperatorLaunchBody launch;
            read_forward(m, &call, &launch);
            r.ref = m.ref;
            r.route = call.route;
            r.token = call.token;
            r.param = call.param;
            r.query = call.query;
            r.body = call.body;
            got.push_back(std::move(r));
          },
          1000);
      if (n == 0 && !sender_.has_overflow()) return got;
    }
  }

  std::vector<ReceivedReply> drain_replies() {
    std::vector<ReceivedReply> got;
    owner_.drain(
        [&](uint32_t from, uint16_t kind, const void* payload, uint32_t len) {
          ByteBuffer body;
          Reply reply(body);
          ReceivedReply r{from, kind, {}, 0, 0, {}, {}, {}, false};
          ForwardReply m;
          ASSERT_TRUE(decode_message(payload, len, &m));
          read_forward_reply(m, reply);
          r.ref = m.ref;
          r.status = reply.status();
          r.route = reply.route();
          r.content_type = reply.content_type();
          r.headers = reply.extra_headers();
          r.body = reply.body_view();
          r.close = reply.close_connection();
          got.push_back(std::move(r));
        },
        1000);
    return got;
  }

  MessageBus bus_{2, kMailboxBytes};
  Mailbox sender_{bus_, kSender};
  Mailbox owner_{bus_, kOwner};
};

void expect_same(const ReceivedCall& got, ConnRef ref, const PlayerCall& sent) {
  EXPECT_EQ(got.from, kSender);
  EXPECT_EQ(got.kind, kMsgForwardRequest);
  EXPECT_EQ(got.ref.index, ref.index);
  EXPECT_EQ(got.ref.generation, ref.generation);
  EXPECT_EQ(got.route, sent.route);
  EXPECT_EQ(got.token, sent.token);
  EXPECT_EQ(got.param, sent.param);
  EXPECT_EQ(got.query, sent.query);
  EXPECT_EQ(got.body.size(), sent.body.size());
  EXPECT_TRUE(got.body == sent.body);  // not EXPECT_EQ: a failing 64 KiB body would flood the log
}

TEST_F(ForwardTest, PlayerCallArrivesIntact) {
  const ConnRef ref{12345, 0xdeadbeef};
  const PlayerCall call{7, "t0babcdefghijklmnopqrstuvwxyz", "s0bqwertyuiopasdfghjklzxcvb",
                        "sessionId=s0bqwertyuiopasdfghjklzxcvb&limit=10",
                        R"({"sessionId": "s0bqwertyuiopasdfghjklzxcvb"})"};
  send_forward(sender_, kOwner, ref, call);
  std::vector<ReceivedCall> got = drain_calls();
  ASSERT_EQ(got.size(), 1u);
  expect_same(got[0], ref, call);
}

TEST_F(ForwardTest, EmptyPartsStayEmpty) {
  const ConnRef ref{0, 0};
  const PlayerCall call{0, "", "", "", ""};
  send_forward(sender_, kOwner, ref, call);
  const PlayerCall only_body{kRouteLaunch, "", "", "", "{}"};
  send_forward(sender_, kOwner, ref, only_body);
  const PlayerCall only_query{4, "", "", "a=b", ""};
  send_forward(sender_, kOwner, ref, only_query);

  std::vector<ReceivedCall> got = drain_calls();
  ASSERT_EQ(got.size(), 3u);
  expect_same(got[0], ref, call);
  expect_same(got[1], ref, only_body);
  expect_same(got[2], ref, only_query);
}

TEST_F(ForwardTest, LargestBodyArrivesIntact) {
  std::string body(kMaxBodyBytes, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>((i * 131 + 7) & 0xff);
  const std::string query(4000, 'q');
  const ConnRef ref{1, 2};
  const PlayerCall call{9, "tok", "param", query, body};
  send_forward(sender_, kOwner, ref, call);
  std::vector<ReceivedCall> got = drain_calls();
  ASSERT_EQ(got.size(), 1u);
  expect_same(got[0], ref, call);
}

// The largest player request the HTTP limits let through, wrapped for another node, fits the
// body POST /_ringside/forward accepts with the cluster key (http/limits.h).
TEST_F(ForwardTest, LargestPlayerRequestFitsTheForwardBodyLimit) {
  const std::string token(kMaxHeaderBytes, 't');
  const std::string param(kMaxUriBytes / 2, 'p');
  const std::string query(kMaxUriBytes / 2, 'q');
  const std::string body(kMaxBodyBytes, 'b');
  const PlayerCall call{9, token, param, query, body};
  EXPECT_LE(forward_request(ConnRef{1, 2}, call).encoded_size(), kMaxForwardBodyBytes);
  EXPECT_GT(kMaxForwardBodyBytes, kMaxBodyBytes);
}

// More large calls than the ring holds at once: they wait in the sender's mailbox and still
// arrive whole and in order.
TEST_F(ForwardTest, ManyLargeCallsArriveInOrder) {
  constexpr int kCalls = 40;  // 40 x 64 KiB, more than twice the ring
  std::vector<std::string> bodies;
  for (int i = 0; i < kCalls; ++i) {
    bodies.emplace_back(kMaxBodyBytes - static_cast<size_t>(i), static_cast<char>('a' + i % 26));
    send_forward(sender_, kOwner, ConnRef{static_cast<uint32_t>(i), 1},
                 PlayerCall{route_of(i), "tok", "p", "", bodies.back()});
  }
  std::vector<ReceivedCall> got = drain_calls();
  ASSERT_EQ(got.size(), static_cast<size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    SCOPED_TRACE(i);
    expect_same(got[static_cast<size_t>(i)], ConnRef{static_cast<uint32_t>(i), 1},
                PlayerCall{route_of(i), "tok", "p", "", bodies[i]});
  }
}

// An operator launch travels as its body's fields, read where the request arrived; the owner
// does not read the body again, so it is not sent.
TEST_F(ForwardTest, OperatorLaunchTravelsRead) {
  OperatorLaunchBody body;
  body.player_id = "p-1";
  body.game_slug = "alpha";
  PlayerCall call{kRouteOperatorLaunch, "", "", "", R"({"playerId":"p-1"})"};
  call.launch = &body;
  send_forward(sender_, kOwner, ConnRef{5, 6}, call);
  const OperatorLaunchBody empty;
  PlayerCall no_options{kRouteOperatorLaunch, "", "", "", "{}"};
  no_options.launch = &empty;
  send_forward(sender_, kOwner, ConnRef{5, 7}, no_options);

  std::vector<PlayerCall> calls;
  std::vector<std::string> player_ids, slugs;
  std::vector<bool> has_lobby;
  owner_.drain(
      [&](uint32_t, uint16_t, const void* payload, uint32_t len) {
        ForwardRequest m;
        ASSERT_TRUE(decode_message(payload, len, &m));
        PlayerCall got;
        OperatorLaunchBody launch;
        read_forward(m, &got, &launch);
        EXPECT_EQ(got.route, kRouteOperatorLaunch);
        EXPECT_EQ(got.body, "");
        EXPECT_EQ(got.launch_error, "");
        ASSERT_NE(got.launch, nullptr);
        player_ids.emplace_back(got.launch->player_id);
        slugs.emplace_back(got.launch->game_slug.value_or("(none)"));
        has_lobby.push_back(got.launch->lobby_url.has_value());
      },
      10);
  ASSERT_EQ(player_ids.size(), 2u);
  EXPECT_EQ(player_ids[0], "p-1");
  EXPECT_EQ(slugs[0], "alpha");
  EXPECT_FALSE(has_lobby[0]);
  EXPECT_EQ(player_ids[1], "");
  EXPECT_EQ(slugs[1], "(none)");
  EXPECT_FALSE(has_lobby[1]);
}

// A forwarded operator launch without its fields (or fields on another route) is refused: it
// does not decode.
TEST_F(ForwardTest, LaunchFieldsOnlyWithTheOperatorLaunchRoute) {
  const auto decodes = [](const ForwardRequest& m) {
    std::string bytes(m.encoded_size(), '\0');
    m.encode(bytes.data());
    ForwardRequest got;
    return decode_message(bytes.data(), static_cast<uint32_t>(bytes.size()), &got);
  };
  ForwardRequest m;
  m.route = kRouteOperatorLaunch;
  EXPECT_FALSE(decodes(m));
  m.route = kRouteLaunch;
  m.has_launch = true;
  EXPECT_FALSE(decodes(m));
  m.has_launch = false;
  EXPECT_TRUE(decodes(m));
}

TEST_F(ForwardTest, ErrorReplyRoundTrips) {
  ByteBuffer body;
  Reply reply(body);
  reply.set_route(5);
  reply.error(429, "rate_limited", "Too many launches for this player.");
  reply.add_header("Retry-After", "17");
  reply.add_header("Allow", "GET, POST");

  const ConnRef ref{77, 3};
  send_forward_reply(sender_, kOwner, ref, reply);
  std::vector<ReceivedReply> got = drain_replies();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, kSender);
  EXPECT_EQ(got[0].kind, kMsgForwardReply);
  EXPECT_EQ(got[0].ref.index, 77u);
  EXPECT_EQ(got[0].ref.generation, 3u);
  EXPECT_EQ(got[0].status, 429);
  EXPECT_EQ(got[0].route, 5);
  EXPECT_EQ(got[0].content_type, kJsonContentType);
  EXPECT_EQ(got[0].headers, "Retry-After: 17\r\nAllow: GET, POST\r\n");
  EXPECT_EQ(got[0].body,
            R"({"error":"rate_limited","message":"Too many launches for this player."})");
  EXPECT_FALSE(got[0].close);
}

TEST_F(ForwardTest, TextReplyWithCloseRoundTrips) {
  ByteBuffer body;
  Reply reply(body);
  reply.set_status(200);
  reply.set_route(Reply::kNoRoute);
  reply.set_content_type(kMetricsType);
  reply.body().append("ringside_up 1\n");
  reply.set_close_connection();

  send_forward_reply(sender_, kOwner, ConnRef{4, 9}, reply);
  std::vector<ReceivedReply> got = drain_replies();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, kSender);
  EXPECT_EQ(got[0].kind, kMsgForwardReply);
  EXPECT_EQ(got[0].ref.index, 4u);
  EXPECT_EQ(got[0].ref.generation, 9u);
  EXPECT_EQ(got[0].status, 200);
  EXPECT_EQ(got[0].route, Reply::kNoRoute);
  EXPECT_EQ(got[0].content_type, kMetricsType);
  EXPECT_EQ(got[0].headers, "");
  EXPECT_EQ(got[0].body, "ringside_up 1\n");
  EXPECT_TRUE(got[0].close);
}

TEST_F(ForwardTest, EmptyAndLargeReplyBodiesRoundTrip) {
  ByteBuffer body;
  Reply empty(body);
  empty.set_status(204);
  send_forward_reply(sender_, kOwner, ConnRef{1, 1}, empty);

  ByteBuffer big_body;
  Reply big(big_body);
  std::string json = "[";
  while (json.size() < 200'000) json += R"({"sessionId":"s0bqwertyuiopasdfghjklzxcvb"},)";
  json.back() = ']';
  big.body().append(json);
  send_forward_reply(sender_, kOwner, ConnRef{2, 1}, big);

  std::vector<ReceivedReply> got = drain_replies();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, 204);
  EXPECT_EQ(got[0].body, "");
  EXPECT_EQ(got[0].headers, "");
  EXPECT_EQ(got[0].content_type, kJsonContentType);
  EXPECT_EQ(got[1].status, 200);
  EXPECT_EQ(got[1].body.size(), json.size());
  EXPECT_TRUE(got[1].body == json);
}

}  // namespace
}  // namespace ringside

// A player request forwarded to its owner shard and the owner's reply coming back, through one
// pair of mailboxes without contention: encode into the ring, drain, decode. The session-status
// poll of a player whose token names another shard pays this twice per request.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string_view>

#include "api/forward.h"
#include "api/routes.h"
#include "app/process.h"
#include "core/byte_buffer.h"
#include "core/mailbox.h"
#include "core/message_bus.h"
#include "http/reply.h"

namespace ringside {
namespace {

constexpr uint32_t kSender = 0;
constexpr uint32_t kOwner = 1;

// A session-status poll as a browser sends it.
const PlayerCall kStatusPoll{kRouteSessionStatus, "t0babcdefghijklmnopqrstuvwxyzabcdefghijklmnopq",
                             "", "sessionId=s0bqwertyuiopasdfghjklzxcvbqwertyuiopasd", ""};
// Its answer.
constexpr std::string_view kStatusBody =
    R"({"sessionId":"s0bqwertyuiopasdfghjklzxcvbqwertyuiopasd","status":"running",)"
    R"("phase":"running","serverUrl":"https://gs01.example.test/s0bqwertyuiopasdfghjklzxcvb",)"
    R"("startedAt":"2025-03-09T10:15:00Z","expiresAt":"2025-03-09T10:45:00Z"})";

void BM_ForwardRequestEncodeDecode(benchmark::State& state) {
  MessageBus bus(2, kMailboxBytes);
  Mailbox sender(bus, kSender);
  Mailbox owner(bus, kOwner);
  const ConnRef ref{1234, 56};
  OperatorLaunchBody launch;  // Api keeps one as a member
  for (auto _ : state) {
    send_forward(sender, kOwner, ref, kStatusPoll);
    owner.drain(
        [&](uint32_t, uint16_t, const void* payload, uint32_t len) {
          ForwardRequest m;
          PlayerCall call;
          if (decode_message(payload, len, &m)) read_forward(m, &call, &launch);
          benchmark::DoNotOptimize(call);
          benchmark::DoNotOptimize(m.ref);
        },
        1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForwardRequestEncodeDecode);

void BM_ForwardReplyEncodeDecode(benchmark::State& state) {
  MessageBus bus(2, kMailboxBytes);
  Mailbox owner(bus, kOwner);
  Mailbox sender(bus, kSender);
  ByteBuffer sent_body, got_body;
  Reply sent(sent_body);
  sent.set_route(kRouteSessionStatus);
  sent.body().append(kStatusBody);
  const ConnRef ref{1234, 56};
  for (auto _ : state) {
    send_forward_reply(owner, kSender, ref, sent);
    sender.drain(
        [&](uint32_t, uint16_t, const void* payload, uint32_t len) {
          ForwardReply m;
          Reply reply(got_body);
          if (decode_message(payload, len, &m)) read_forward_reply(m, reply);
          benchmark::DoNotOptimize(reply);
          benchmark::DoNotOptimize(m.ref);
        },
        1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForwardReplyEncodeDecode);

}  // namespace
}  // namespace ringside

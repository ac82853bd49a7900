#pragma once
// The 64-bit io_uring user_data of every submission, written down once:
//
//   63        56 55                    32 31                              0
//  +-----------+------------------------+---------------------------------+
//  |   kind    |   generation (24 bit)  |          index (32 bit)         |
//  +-----------+------------------------+---------------------------------+
//
// `kind` picks the completion handler; `index` names the object (a connection slot, a
// client, ...) in the handler's own table; `generation` is bumped each time that slot is
// reused, so a late completion for a previous occupant is recognised and dropped.
#include <cstdint>

namespace ringside {

inline constexpr uint64_t pack_user_data(uint8_t kind, uint32_t generation, uint32_t index) {
  return (uint64_t{kind} << 56) | (uint64_t{generation & 0xFFFFFFu} << 32) | index;
}
inline constexpr uint8_t user_data_kind(uint64_t ud) { return static_cast<uint8_t>(ud >> 56); }
inline constexpr uint32_t user_data_generation(uint64_t ud) {
  return static_cast<uint32_t>(ud >> 32) & 0xFFFFFFu;
}
inline constexpr uint32_t user_data_index(uint64_t ud) { return static_cast<uint32_t>(ud); }

// Completion kinds of the whole process: one handler per kind per reactor.
enum CompletionKind : uint8_t {
  kIgnoredCompletion = 0,  // cancel and close results nobody waits for
  kDoorbellCompletion,     // a MSG_RING or eventfd wake-up: messages are waiting
  kSignalCompletion,       // signalfd read (shard 0)
  kAcceptCompletion,
  kRecvCompletion,
  kSendCompletion,
  kBackendCompletion,   // I/O core: backend clients (later)
  kStoreCompletion,     // I/O core: database socket (later)
  kFileCompletion,      // I/O core: file work done on a helper thread (backends/file_worker.h)
  kPeerCompletion,      // shard: connections to other nodes (http/peer_pool.h)
  kLoadCompletion,      // I/O core: partitions loaded on a helper thread (app/partition_loader.h)
  kSaveRootCompletion,  // I/O core: peers' save root markers read (app/save_root_check.h)
  kWebhookCompletion,   // I/O core: the webhook sender's HTTP client (docs/webhooks.md)
  kAttachCompletion,    // I/O core: Docker attach streams to warm containers (docs/warm-pools.md)
  kCompletionKindCount,
};

}  // namespace ringside

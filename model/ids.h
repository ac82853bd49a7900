#pragma once
// Ids that route themselves: session ids, tokens and save-slot ids carry their player's
// partition (model/partition.h) in their text, so any core of any node finds the owner without
// a lookup, followed by 128 CSPRNG bits that make them unguessable. Clients treat them as opaque.
//
// Text form (29 chars, URL-safe): kind char, the owner as 2 base32 chars, then the 128 random
// bits big-endian as 26 base32 chars. The alphabet is RFC 4648 base32 lowercased (a-z2-7); the
// last char carries the final 3 bits and, in its 2 low bits, the scheme: 01 for an id whose
// owner chars are a partition, 00 for a legacy id minted before partitions, whose owner chars
// are the shard of the single node that minted it (docs/cluster.md: "Ids and partitions").
// Every id has exactly one spelling (the parser rejects the schemes 10 and 11).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ringside {

struct Id128 {
  uint64_t hi = 0, lo = 0;
  friend bool operator==(const Id128&, const Id128&) = default;
};

// For FlatMap<Id128, ...>. The bits are CSPRNG output, but a parsed id comes from the client,
// so the hash still mixes both halves rather than trusting one of them.
struct Id128Hasher {
  uint64_t operator()(const Id128& id) const {
    uint64_t h = id.hi ^ (id.lo * 0x9e3779b97f4a7c15ULL);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    return h ^ (h >> 32);
  }
};

enum class IdKind : char { kSession = 's', kToken = 't', kSaveSlot = 'v' };

inline constexpr size_t kIdTextLength = 29;       // kind char + 2 owner chars + 26 random chars
inline constexpr uint16_t kMaxShardCount = 1024;  // 2 base32 chars hold 10 bits

// What an id's owner chars name. An id keeps the owner it was minted with for its whole life:
// its text is a database key, a container label and a backend's save-slot name, so a legacy
// id is spelled as it was (value = the shard that minted it), never re-spelled.
struct IdOwner {
  uint16_t value = 0;   // < kMaxShardCount: a partition, or a legacy id's shard
  bool legacy = false;  // minted before partitions
  static IdOwner partition(uint16_t p) { return {p, false}; }
  friend bool operator==(const IdOwner&, const IdOwner&) = default;
};

// Writes exactly kIdTextLength chars (no terminator). Precondition: owner.value < kMaxShardCount.
void format_id(IdKind kind, IdOwner owner, const Id128& bits, char out[kIdTextLength]);
std::string id_to_string(IdKind kind, IdOwner owner, const Id128& bits);

struct ParsedId {
  IdKind kind;
  IdOwner owner;
  Id128 bits;
};
// Strict: exact length, expected kind, alphabet (lowercase only), a known scheme. The owner is
// only known to be < kMaxShardCount.
std::optional<ParsedId> parse_id(std::string_view text, IdKind expected);
// The partition of an id of the right kind, length and scheme, reading only its owner chars and
// scheme: enough to route a request whose token the owner will check in full anyway. Nothing
// for a legacy id (its chars name no partition) or a malformed one.
std::optional<uint16_t> partition_of_id(std::string_view text, IdKind expected);

// Kernel CSPRNG output via getrandom(2), served from a 4 KiB per-thread buffer so minting an id
// costs no syscall. getrandom rather than OpenSSL RAND_bytes: it is the kernel pool directly,
// with no library state, locks or provider lookups on the refill path, and needs no init.
// Bytes handed out are wiped from the buffer. The buffer is discarded in a child after fork()
// (pthread_atfork), so parent and child never hand out the same bytes.
Id128 random_id128();

// The 16 bytes of an id as the database keeps it: hi then lo, big-endian.
std::array<uint8_t, 16> id128_bytes(const Id128& id);
void random_bytes(void* out, size_t n);

// The pinned player hash: FNV-1a 64 over the bytes of player_id, then the murmur3 64-bit
// finalizer (FNV's low bits alone spread poorly), mod shard_count. Over kPartitionCount it is a
// player's partition (model/partition.h), persisted inside ids and rows, and legacy ids carry it
// over their node's shard count, so this must never change: it is pinned by known values in
// ids_test.cc.
// Precondition: 1 <= shard_count <= kMaxShardCount.
uint16_t shard_of_player(std::string_view player_id, uint16_t shard_count);

}  // namespace ringside

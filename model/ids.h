#pragma once
// Ids that route themselves: session ids, tokens and save-slot ids carry the owning shard in
// their text, so any core finds the owner without a lookup, followed by 128 CSPRNG bits that
// make them unguessable. Clients treat them as opaque.
//
// Text form (29 chars, URL-safe): kind char, the shard as 2 base32 chars, then the 128 random
// bits big-endian as 26 base32 chars. The alphabet is RFC 4648 base32 lowercased (a-z2-7); the
// last char carries the final 3 bits and its 2 low bits are zero, so every id has exactly one
// spelling (the parser rejects the other three).
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

inline constexpr size_t kIdTextLength = 29;       // kind char + 2 shard chars + 26 random chars
inline constexpr uint16_t kMaxShardCount = 1024;  // 2 base32 chars hold 10 bits

// Writes exactly kIdTextLength chars (no terminator). Precondition: shard < kMaxShardCount.
void format_id(IdKind kind, uint16_t shard, const Id128& bits, char out[kIdTextLength]);
std::string id_to_string(IdKind kind, uint16_t shard, const Id128& bits);

struct ParsedId {
  IdKind kind;
  uint16_t shard;
  Id128 bits;
};
// Strict: exact length, expected kind, alphabet (lowercase only), canonical pad bits. The shard
// is only known to be < kMaxShardCount; callers check it against their shard count.
std::optional<ParsedId> parse_id(std::string_view text, IdKind expected);
// Only the owner shard of an id of the right kind and length, without decoding its random
// part: enough to route a request whose token the owner will check in full anyway.
std::optional<uint16_t> shard_of_id(std::string_view text, IdKind expected);

// Kernel CSPRNG output via getrandom(2), served from a 4 KiB per-thread buffer so minting an id
// costs no syscall. getrandom rather than OpenSSL RAND_bytes: it is the kernel pool directly,
// with no library state, locks or provider lookups on the refill path, and needs no init.
// Bytes handed out are wiped from the buffer. The buffer is discarded in a child after fork()
// (pthread_atfork), so parent and child never hand out the same bytes.
Id128 random_id128();

// The 16 bytes of an id as the database keeps it: hi then lo, big-endian.
std::array<uint8_t, 16> id128_bytes(const Id128& id);
void random_bytes(void* out, size_t n);

// The shard that owns a player: FNV-1a 64 over the bytes of player_id, then the murmur3 64-bit
// finalizer (FNV's low bits alone spread poorly), mod shard_count. Shards are persisted inside
// ids and rows, so this must never change: it is pinned by known values in ids_test.cc.
// Precondition: 1 <= shard_count <= kMaxShardCount.
uint16_t shard_of_player(std::string_view player_id, uint16_t shard_count);

}  // namespace ringside

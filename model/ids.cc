#include "model/ids.h"

#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ringside {

namespace {

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> kDecode = [] {
  std::array<uint8_t, 256> table{};
  table.fill(kInvalid);
  for (uint8_t i = 0; i < 32; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}();

constexpr size_t kOwnerChars = 2;
constexpr size_t kBitsChars = 26;
static_assert(kIdTextLength == 1 + kOwnerChars + kBitsChars);
// The 2 low bits of the last char (below the final 3 bits of the random part).
constexpr uint32_t kSchemeLegacy = 0;
constexpr uint32_t kSchemePartition = 1;

uint8_t decode_char(char c) { return kDecode[static_cast<unsigned char>(c)]; }

constexpr size_t kRandomBlock = 4096;

struct RandomBuffer {
  unsigned char bytes[kRandomBlock];
  size_t pos = kRandomBlock;  // next unused byte; kRandomBlock means empty
};

thread_local RandomBuffer t_random;

// Runs in the child after fork(), in the thread that forked (the only one the child has):
// without it the child would hand out the same bytes as its parent.
void discard_random_buffer() {
  explicit_bzero(t_random.bytes, sizeof t_random.bytes);
  t_random.pos = kRandomBlock;
}

void refill(RandomBuffer& buf) {
  // Registered before any thread buffers its first bytes.
  static const bool fork_handler_registered = [] {
    if (int err = pthread_atfork(nullptr, nullptr, &discard_random_buffer); err != 0) {
      throw std::system_error(err, std::generic_category(), "pthread_atfork");
    }
    return true;
  }();
  (void)fork_handler_registered;

  size_t filled = 0;
  while (filled < kRandomBlock) {
    ssize_t n = getrandom(buf.bytes + filled, kRandomBlock - filled, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::generic_category(), "getrandom");
    }
    filled += static_cast<size_t>(n);
  }
  buf.pos = 0;
}

}  // namespace

void format_id(IdKind kind, IdOwner owner, const Id128& bits, char out[kIdTextLength]) {
  assert(owner.value < kMaxShardCount);
  out[0] = static_cast<char>(kind);
  out[1] = kAlphabet[(owner.value >> 5) & 31];
  out[2] = kAlphabet[owner.value & 31];

  // Big-endian bit stream hi:lo, 5 bits per char; acc keeps the bits not yet emitted.
  char* p = out + 1 + kOwnerChars;
  uint32_t acc = 0;
  int pending = 0;
  for (uint64_t half : {bits.hi, bits.lo}) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      acc = (acc << 8) | static_cast<uint32_t>((half >> shift) & 0xff);
      pending += 8;
      while (pending >= 5) {
        pending -= 5;
        *p++ = kAlphabet[(acc >> pending) & 31];
      }
    }
  }
  // 128 = 25 * 5 + 3: the last char holds 3 bits followed by the 2 bits of the scheme.
  const uint32_t scheme = owner.legacy ? kSchemeLegacy : kSchemePartition;
  *p = kAlphabet[((acc << (5 - pending)) | scheme) & 31];
}

std::string id_to_string(IdKind kind, IdOwner owner, const Id128& bits) {
  std::string s(kIdTextLength, '\0');
  format_id(kind, owner, bits, s.data());
  return s;
}

std::optional<uint16_t> partition_of_id(std::string_view text, IdKind expected) {
  if (text.size() != kIdTextLength || text[0] != static_cast<char>(expected)) return std::nullopt;
  uint8_t high = decode_char(text[1]);
  uint8_t low = decode_char(text[2]);
  uint8_t last = decode_char(text[kIdTextLength - 1]);
  if (high == kInvalid || low == kInvalid || last == kInvalid) return std::nullopt;
  if ((last & 3) != kSchemePartition) return std::nullopt;
  return static_cast<uint16_t>((high << 5) | low);
}

std::optional<ParsedId> parse_id(std::string_view text, IdKind expected) {
  if (text.size() != kIdTextLength || text[0] != static_cast<char>(expected)) return std::nullopt;

  uint8_t owner_high = decode_char(text[1]);
  uint8_t owner_low = decode_char(text[2]);
  if (owner_high == kInvalid || owner_low == kInvalid) return std::nullopt;

  uint64_t halves[2] = {0, 0};
  size_t bytes_done = 0;
  uint32_t acc = 0;
  int pending = 0;
  for (char c : text.substr(1 + kOwnerChars)) {
    uint8_t v = decode_char(c);
    if (v == kInvalid) return std::nullopt;
    acc = (acc << 5) | v;
    pending += 5;
    if (pending >= 8) {
      pending -= 8;
      uint64_t& half = halves[bytes_done++ / 8];
      half = (half << 8) | ((acc >> pending) & 0xff);
    }
  }
  // 130 bits read, 128 used: the 2 left over are the scheme.
  const uint32_t scheme = acc & ((1u << pending) - 1);
  if (scheme != kSchemeLegacy && scheme != kSchemePartition) return std::nullopt;

  const IdOwner owner{static_cast<uint16_t>((owner_high << 5) | owner_low),
                      scheme == kSchemeLegacy};
  return ParsedId{expected, owner, Id128{halves[0], halves[1]}};
}

void random_bytes(void* out, size_t n) {
  auto* dst = static_cast<unsigned char*>(out);
  RandomBuffer& buf = t_random;
  while (n > 0) {
    if (buf.pos == kRandomBlock) refill(buf);
    size_t take = std::min(n, kRandomBlock - buf.pos);
    std::memcpy(dst, buf.bytes + buf.pos, take);
    // Handed-out bytes may become a token: keep no copy of them here.
    explicit_bzero(buf.bytes + buf.pos, take);
    buf.pos += take;
    dst += take;
    n -= take;
  }
}

Id128 random_id128() {
  uint64_t halves[2];
  random_bytes(halves, sizeof halves);
  return Id128{halves[0], halves[1]};
}

uint16_t shard_of_player(std::string_view player_id, uint16_t shard_count) {
  assert(shard_count >= 1 && shard_count <= kMaxShardCount);
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (char c : player_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;  // FNV 64 prime
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return static_cast<uint16_t>(h % shard_count);
}

std::array<uint8_t, 16> id128_bytes(const Id128& id) {
  std::array<uint8_t, 16> b{};
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(id.hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(id.lo >> (56 - 8 * i));
  }
  return b;
}

}  // namespace ringside

#pragma once
// Bearer tokens are kept only as their SHA-256: the plain token is returned to the client once
// at minting and never stored, so a memory or database dump yields no usable token.
#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ringside {

struct TokenHash {
  std::array<uint8_t, 32> bytes{};
  friend bool operator==(const TokenHash&, const TokenHash&) = default;
  // The first 8 bytes in host byte order: for in-memory hashing only, never persisted.
  uint64_t prefix64() const {
    uint64_t v;
    std::memcpy(&v, bytes.data(), sizeof v);
    return v;
  }
};

// For FlatMap<TokenHash, ...>. SHA-256 output is uniform, and only the server mints tokens,
// so the prefix needs no further mixing.
struct TokenHashHasher {
  uint64_t operator()(const TokenHash& h) const { return h.prefix64(); }
};

// SHA-256 via OpenSSL libcrypto (we do not write our own crypto). Throws std::runtime_error if
// libcrypto fails, which only happens when it is broken or out of memory.
TokenHash hash_token(std::string_view token);

// 64 lowercase hex digits, for database rows and debugging. Never log the token itself.
std::string token_hash_hex(const TokenHash& hash);

}  // namespace ringside

#pragma once
// Derives bearer tokens instead of storing them: token = owner tag + the first 128 bits of
// HMAC-SHA256(secret, seed || generation). Only the token's SHA-256 is kept (TokenHash), yet
// a re-launch of the same player and game can hand back the very token it handed out before
// (SPEC: "returns that session, not a new one") by deriving it again. A dump of the store
// holds seeds and hashes, which are useless without the secret.
#include <array>
#include <cstdint>

#include "model/ids.h"

namespace ringside {

class TokenMinter {
 public:
  using Secret = std::array<uint8_t, 32>;
  explicit TokenMinter(const Secret& secret) : secret_(secret) {}
  static Secret random_secret();

  // The owner is the player's partition; a token session minted before partitions re-derives
  // its current token with the legacy shard it was minted with (docs/cluster.md).
  void mint(const Id128& seed, uint32_t generation, IdOwner owner, char out[kIdTextLength]) const;

 private:
  Secret secret_;
};

}  // namespace ringside

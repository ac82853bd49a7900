#pragma once
// The key one node shows another when it forwards a request (docs/cluster.md): hex
// HMAC-SHA256(token secret, "ringside cluster forward"). Every node of a cluster shares the
// token secret, so every node derives the same key, and the secret itself never travels.
#include <string>

#include "model/token_minter.h"

namespace ringside {

std::string cluster_forward_key(const TokenMinter::Secret& secret);

// Hex SHA-256 of a cluster key: what the database keeps so that a node started with another
// token secret is refused (docs/cluster.md). It reveals neither the key nor the secret.
std::string cluster_key_fingerprint(const std::string& cluster_key);

}  // namespace ringside

#include "model/cluster_key.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string_view>

namespace ringside {
namespace {

std::string hex(const uint8_t* bytes, size_t n) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

std::string cluster_forward_key(const TokenMinter::Secret& secret) {
  constexpr std::string_view kLabel = "ringside cluster forward";
  uint8_t mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), mac,
                 sizeof mac, &mac_len)) {
    throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
  }
  return hex(mac, mac_len);
}

std::string cluster_key_fingerprint(const std::string& cluster_key) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (!EVP_Digest(cluster_key.data(), cluster_key.size(), digest, &digest_len, EVP_sha256(),
                  nullptr)) {
    throw std::runtime_error("SHA-256 failed in libcrypto");
  }
  return hex(digest, digest_len);
}

}  // namespace ringside

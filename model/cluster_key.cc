#include "model/cluster_key.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string_view>

namespace ringside {

std::string cluster_forward_key(const TokenMinter::Secret& secret) {
  constexpr std::string_view kLabel = "ringside cluster forward";
  uint8_t mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(),
                 reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), mac,
                 sizeof mac, &mac_len)) {
    throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
  }
  constexpr char kHex[] = "0123456789abcdef";
  std::string key;
  key.reserve(mac_len * 2);
  for (size_t i = 0; i < mac_len; ++i) {
    key.push_back(kHex[mac[i] >> 4]);
    key.push_back(kHex[mac[i] & 15]);
  }
  return key;
}

}  // namespace ringside

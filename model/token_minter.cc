#include "model/token_minter.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

namespace ringside {

TokenMinter::Secret TokenMinter::random_secret() {
  Secret s;
  random_bytes(s.data(), s.size());
  return s;
}

void TokenMinter::mint(const Id128& seed, uint32_t generation, IdOwner owner,
                       char out[kIdTextLength]) const {
  uint8_t msg[20];
  std::memcpy(msg, &seed.hi, 8);
  std::memcpy(msg + 8, &seed.lo, 8);
  std::memcpy(msg + 16, &generation, 4);
  uint8_t mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret_.data(), secret_.size(), msg,
                 sizeof msg, mac, sizeof mac, &mac_len) ||
      mac_len < 16) {
    throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
  }
  Id128 bits;
  std::memcpy(&bits.hi, mac, 8);
  std::memcpy(&bits.lo, mac + 8, 8);
  format_id(IdKind::kToken, owner, bits, out);
}

}  // namespace ringside

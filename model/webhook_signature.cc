#include "model/webhook_signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>

namespace ringside {

std::string webhook_signature(std::string_view secret, int64_t unix_seconds,
                              std::string_view body) {
  char stamp[24];
  const auto r = std::to_chars(stamp, stamp + sizeof stamp, unix_seconds);
  std::string signed_text(stamp, r.ptr);
  signed_text.push_back('.');
  signed_text.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac,
       &mac_len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < mac_len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

}  // namespace ringside

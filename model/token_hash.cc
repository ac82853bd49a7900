#include "model/token_hash.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace ringside {

namespace {

// Fetched once: passing EVP_sha256() instead makes OpenSSL 3 look the provider implementation
// up on every call, which triples the cost of hashing a short token.
const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) throw std::runtime_error("libcrypto: SHA256 unavailable");
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// One context per thread, reused: EVP_Digest() would allocate and free one per call.
EVP_MD_CTX* thread_ctx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) throw std::runtime_error("libcrypto: EVP_MD_CTX_new failed");
  return ctx.get();
}

}  // namespace

TokenHash hash_token(std::string_view token) {
  TokenHash out;
  EVP_MD_CTX* ctx = thread_ctx();
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, token.data(), token.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.bytes.data(), &len) != 1 || len != out.bytes.size()) {
    throw std::runtime_error("libcrypto: SHA-256 failed");
  }
  return out;
}

std::string token_hash_hex(const TokenHash& hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(hash.bytes.size() * 2, '\0');
  for (size_t i = 0; i < hash.bytes.size(); ++i) {
    s[2 * i] = kHex[hash.bytes[i] >> 4];
    s[2 * i + 1] = kHex[hash.bytes[i] & 15];
  }
  return s;
}

}  // namespace ringside

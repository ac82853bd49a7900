#pragma once
// The signature of a webhook delivery (docs/webhooks.md): HMAC-SHA256 with the shared secret
// over "<timestamp>.<body>", as the X-Ringside-Signature header value "sha256=<hex>".
// OpenSSL's libcrypto computes the MAC: it is already linked for SHA-256, and a MAC is no
// place for code of our own.
#include <cstdint>
#include <string>
#include <string_view>

namespace ringside {

std::string webhook_signature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace ringside

#pragma once
// Conditional requests (RFC 9110 §13.1.2): whether an If-None-Match value lists an entity tag.
#include <string_view>

namespace ringside {

// True when `if_none_match` is "*" or a comma-separated list naming `etag` (quoted, as sent
// in ETag), compared weakly: W/"x" matches "x".
bool etag_listed(std::string_view if_none_match, std::string_view etag);

}  // namespace ringside

#pragma once
// Request limits and their statuses (SPEC: Conventions).
#include <cstddef>

namespace ringside {

inline constexpr size_t kMaxHeaderBytes = size_t{8} * 1024;  // request line + headers -> 431
inline constexpr size_t kMaxUriBytes = size_t{4} * 1024;     // request target -> 414
inline constexpr size_t kMaxBodyBytes = size_t{64} * 1024;   // body -> 413
// The body of POST /_ringside/forward with the cluster key (docs/cluster.md): the largest
// player request wrapped — its token (a header), path segment and query (the target), body, and
// the message's fixed fields (api/forward.cc checks they fit the margin).
inline constexpr size_t kForwardFixedBytes = 64;
inline constexpr size_t kMaxForwardBodyBytes =
    kMaxHeaderBytes + kMaxUriBytes + kMaxBodyBytes + kForwardFixedBytes;

// A connection buffer that is emptied while larger than this is freed; smaller ones are kept
// and reused, so status polls and keep-alives do not allocate (docs/http.md).
inline constexpr size_t kRetainedBufferBytes = size_t{8} * 1024;

}  // namespace ringside

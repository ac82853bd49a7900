#pragma once
// A listening TCP socket with SO_REUSEPORT, one per shard: the kernel spreads new connections
// over the shards' sockets. They are all opened before any shard starts, so that the first
// connection a client makes already has every shard to land on.
#include <cstdint>
#include <string>

namespace ringside {

// Returns the socket, or -errno (-EINVAL for a host that is not an IPv4/IPv6 literal).
int open_listen_socket(const std::string& host, uint16_t port);

}  // namespace ringside

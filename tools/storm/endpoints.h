#pragma once
// The five calls a simulated player makes, in the order it makes them.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringside::storm {

enum class Endpoint : uint8_t { kOperatorLaunch, kLaunch, kStatus, kKeepalive, kStop };
inline constexpr size_t kEndpointCount = 5;

inline constexpr std::string_view endpoint_name(Endpoint endpoint) {
  constexpr std::string_view kNames[kEndpointCount] = {"operator-launch", "launch", "status",
                                                       "keepalive", "stop"};
  return kNames[static_cast<size_t>(endpoint)];
}

}  // namespace ringside::storm

// docker_api::find_took_line on any bytes, as an engine's raw container log (multiplexed frames:
// a type byte, three zero bytes, a big-endian length, the payload) could hold them. It decides
// whether a warm container was taken, and by whom, after a restart (docs/warm-pools.md).
// Invariants: nothing crashes or reads past the input; a line found has a non-empty session
// without spaces and a non-empty player, neither holding a newline; and the same payload framed
// as one stdout frame finds the same line, while framed as stderr it finds none (only the
// game's stdout speaks for it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "backends/docker/docker_api.h"

namespace {

void check(bool ok) {
  if (!ok) abort();
}

std::string framed(uint8_t stream, std::string_view payload) {
  const size_t n = payload.size();
  std::string out = {static_cast<char>(stream),
                     0,
                     0,
                     0,
                     static_cast<char>((n >> 24) & 0xFF),
                     static_cast<char>((n >> 16) & 0xFF),
                     static_cast<char>((n >> 8) & 0xFF),
                     static_cast<char>(n & 0xFF)};
  return out.append(payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = ringside::docker_api;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  std::string session, player;
  if (api::find_took_line(bytes, &session, &player)) {
    check(!session.empty() && !player.empty());
    check(session.find_first_of(" \n") == std::string::npos);
    check(player.find('\n') == std::string::npos);
    check(session.size() + player.size() < size);
  }

  // The input as the text a game printed on stdout, in one frame.
  std::string framed_session, framed_player;
  const bool found = api::find_took_line(framed(1, bytes), &framed_session, &framed_player);
  const bool has_line = bytes.starts_with("ringside-took ") ||
                        bytes.find("\nringside-took ") != std::string_view::npos;
  if (found) check(has_line);
  std::string other_session, other_player;
  check(!api::find_took_line(framed(2, bytes), &other_session, &other_player));
  if (!found) return 0;
  // Split anywhere into two stdout frames: the same line.
  const size_t cut = size / 2;
  std::string split_session, split_player;
  check(api::find_took_line(framed(1, bytes.substr(0, cut)) + framed(1, bytes.substr(cut)),
                            &split_session, &split_player));
  check(split_session == framed_session && split_player == framed_player);
  return 0;
}

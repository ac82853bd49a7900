#pragma once
// Base fixture of the Sessions API tests: a ringside with two shards and the simulated
// backend on short pull and start times, plus whatever flags a test adds (later flags win),
// and an ApiClient on it.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "integration/api_client.h"
#include "integration/server_test.h"

namespace ringside::itest {

// The built-in demo catalog ringside serves without --catalog.
inline constexpr std::string_view kGame = "tlon-uqbar";
inline constexpr std::string_view kGameTitle = "Tlön, Uqbar, Orbis Tertius";
inline constexpr std::string_view kOtherGame = "library-of-babel";

// {"gameSlug": slug} and friends, for launch bodies.
inline std::string game_body(std::string_view slug) {
  return "{\"gameSlug\":\"" + std::string(slug) + "\"}";
}

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

class SessionsTest : public ServerTest {
 protected:
  ::testing::AssertionResult start(const std::vector<std::string>& extra_flags = {}) {
    std::vector<std::string> flags = {"--shards",       "2",
                                      "--backend",      "sim",
                                      "--operator-key", std::string(kOperatorKey),
                                      "--sim-pull-ms",  "200",
                                      "--sim-start-ms", "100"};
    flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
    ::testing::AssertionResult started = server_.start(flags);
    if (!started) return started;
    // A connect succeeds once the first shard listens; the others may bind a moment later.
    // The server logs `listening` when every shard does, so connections spread over all.
    for (int waited_ms = 0; server_.log().find("event=listening") == std::string::npos;
         waited_ms += 5) {
      if (waited_ms >= 5000) {
        return ::testing::AssertionFailure() << "no 'listening' log line:\n" << server_.log();
      }
      sleep_ms(5);
    }
    api_ = std::make_unique<ApiClient>(port());
    return started;
  }

  ApiClient& api() { return *api_; }

  std::unique_ptr<ApiClient> api_;
};

}  // namespace ringside::itest

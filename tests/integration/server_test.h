#pragma once
// Base fixture for tests that run a server: it owns the ServerProcess and, when a test failed,
// prints the tail of the server's log next to the failure.
#include <gtest/gtest.h>

#include <cstddef>
#include <iostream>
#include <string>

#include "integration/server_process.h"

namespace ringside::itest {

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!HasFailure()) return;
    constexpr size_t kTail = 16384;
    std::string log = server_.log();
    if (log.size() > kTail) log = "...\n" + log.substr(log.size() - kTail);
    std::cerr << "---- server log ----\n" << log << "---- end of server log ----\n";
  }

  uint16_t port() const { return server_.port(); }

  ServerProcess server_;
};

}  // namespace ringside::itest

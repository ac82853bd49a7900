#include "durable/durable_fixture.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

namespace ringside::durable {

DurableTest::DurableTest() : admin_(std::make_unique<pgtest::Admin>(db_.url())) {
  char dir[] = "/tmp/ringside-durable.XXXXXX";
  if (mkdtemp(dir) != nullptr) secret_dir_ = dir;
}

DurableTest::~DurableTest() {
  if (HasFailure() && server_) std::cerr << "--- ringside's log:\n" << server_->log();
  server_.reset();
  if (!secret_dir_.empty()) std::filesystem::remove_all(secret_dir_);
}

::testing::AssertionResult DurableTest::start(const std::vector<std::string>& extra_flags) {
  std::vector<std::string> flags = {"--shards",
                                    "2",
                                    "--backend",
                                    "sim",
                                    "--operator-key",
                                    std::string(itest::kOperatorKey),
                                    "--sim-pull-ms",
                                    "100",
                                    "--sim-start-ms",
                                    "50",
                                    "--database-url",
                                    db_.url(),
                                    "--token-secret-file",
                                    secret_file()};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  server_ = std::make_unique<itest::ServerProcess>();
  ::testing::AssertionResult started = server_->start(flags);
  if (!started) return started;
  for (int waited_ms = 0; server_->log().find("event=listening") == std::string::npos;
       waited_ms += 5) {
    if (waited_ms >= 10000) {
      return ::testing::AssertionFailure() << "no 'listening' log line:\n" << server_->log();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  api_ = std::make_unique<itest::ApiClient>(server_->port());
  return started;
}

int DurableTest::stop_gracefully() { return server_->terminate_and_wait(SIGTERM, 30000); }

void DurableTest::kill_hard() { server_->terminate_and_wait(SIGKILL); }

}  // namespace ringside::durable

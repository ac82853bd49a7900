#pragma once
// Runs tools/gameye-standin, the local imitation of Gameye's session API, as a child process on
// a free loopback port, for the stand-in's own tests and for tests of the Gameye backend. The
// binary is built beside ringside: <dir of RINGSIDE_BINARY>/tools/gameye-standin/gameye-standin.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ringside::itest {

std::string gameye_standin_binary();

class GameyeStandinProcess {
 public:
  GameyeStandinProcess() = default;
  GameyeStandinProcess(const GameyeStandinProcess&) = delete;
  GameyeStandinProcess& operator=(const GameyeStandinProcess&) = delete;
  // Kills the stand-in (SIGKILL) and removes its captured log.
  ~GameyeStandinProcess();

  // Starts the stand-in with `--listen 127.0.0.1:<free port>` followed by args, and waits (up
  // to 10 s) until it accepts connections. A port someone took meanwhile is retried.
  ::testing::AssertionResult start(const std::vector<std::string>& args);

  uint16_t port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // What the stand-in wrote to stdout and stderr so far.
  std::string log() const;

 private:
  ::testing::AssertionResult start_on(uint16_t port, const std::vector<std::string>& args);
  bool running();
  void kill_and_reap();

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_status_ = -1;
  std::string log_path_;
};

}  // namespace ringside::itest

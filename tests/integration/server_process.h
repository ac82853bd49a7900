#pragma once
// Runs the built ringside binary as a child process for integration tests: on a free loopback
// port, with its stderr (the log) and its stdout captured to temporary files, so tests can read
// what it logged and what it printed.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

namespace ringside::itest {

// A loopback port that was free a moment ago (bound to port 0, then closed).
uint16_t pick_free_port();

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  // Kills the server (SIGKILL) if it is still running and removes the captured output.
  ~ServerProcess();

  // Starts RINGSIDE_BINARY with `--listen 127.0.0.1:<free port>` followed by extra_args, and
  // waits (up to 10 s) until a TCP connect to that port succeeds. Fails, with the server's
  // log, when the process exits first or never listens. A port taken by someone else in
  // the meantime is retried on another port.
  ::testing::AssertionResult start(const std::vector<std::string>& extra_args);

  // Starts the server again on the port it had, after it exited (a node coming back at the
  // address its peers know). Its log starts afresh.
  ::testing::AssertionResult restart(const std::vector<std::string>& extra_args);

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();

  void send_signal(int signal);
  // Waits for the process to exit and returns its exit code, or 128 + the signal number when
  // a signal ended it. After timeout_ms it is killed with SIGKILL and the test fails.
  int wait_for_exit(int timeout_ms = 10000);
  int terminate_and_wait(int signal = SIGTERM, int timeout_ms = 10000);

  // Everything the server wrote to stderr (its log) so far.
  std::string log() const;
  // Everything the server wrote to stdout so far (not the log; e.g. a generated operator key).
  std::string standard_output() const;

 private:
  ::testing::AssertionResult start_on(uint16_t port, const std::vector<std::string>& extra_args);
  void reap(int status);
  void kill_and_reap();

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  int exit_status_ = -1;
  std::string log_path_;
  std::string stdout_path_;
};

struct CompletedRun {
  int exit_status = -1;  // exit code, or 128 + signal; -1 when it could not run
  std::string output;    // stdout and stderr together
};

// Runs RINGSIDE_BINARY with args to completion (killed after timeout_ms, failing the test).
CompletedRun run_server_binary(const std::vector<std::string>& args, int timeout_ms = 10000);

}  // namespace ringside::itest

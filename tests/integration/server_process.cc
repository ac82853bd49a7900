#include "integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStartTimeoutMs = 10000;
constexpr int kPortAttempts = 5;

sockaddr_in loopback(uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

bool can_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

int decode_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string make_temp_file() {
  std::string path = (std::filesystem::temp_directory_path() / "ringside-itest-XXXXXX").string();
  int fd = ::mkstemp(path.data());
  if (fd < 0) return {};
  ::close(fd);
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// fork + execv with stdout going to stdout_path, stderr to stderr_path (the same file when
// they are equal) and stdin from /dev/null. The child dies with the test process, so a crashed
// test leaves no server behind.
pid_t spawn(const std::vector<std::string>& args, const std::string& stdout_path,
            const std::string& stderr_path) {
  std::vector<std::string> argv_strings{RINGSIDE_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out_fd = ::open(stdout_path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  int err_fd = stderr_path == stdout_path
                   ? ::fcntl(out_fd, F_DUPFD_CLOEXEC, 0)
                   : ::open(stderr_path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
    for (int fd : {out_fd, err_fd, null_fd}) {
      if (fd >= 0) ::close(fd);
    }
    return -1;
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static constexpr char kMessage[] = "itest: execv of the server binary failed\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  for (int fd : {out_fd, err_fd, null_fd}) ::close(fd);
  return pid;
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

uint16_t pick_free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

ServerProcess::~ServerProcess() {
  if (running()) kill_and_reap();
  for (const auto& path : {log_path_, stdout_path_}) {
    if (!path.empty()) std::filesystem::remove(path);
  }
}

::testing::AssertionResult ServerProcess::start(const std::vector<std::string>& extra_args) {
  if (pid_ > 0) return ::testing::AssertionFailure() << "the server was already started";
  log_path_ = make_temp_file();
  stdout_path_ = make_temp_file();
  if (log_path_.empty() || stdout_path_.empty()) {
    return ::testing::AssertionFailure() << "cannot create temporary files";
  }
  ::testing::AssertionResult result = ::testing::AssertionFailure();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    uint16_t port = pick_free_port();
    if (port == 0) return ::testing::AssertionFailure() << "no free port";
    result = start_on(port, extra_args);
    // Only a port someone else took between pick_free_port() and the server's bind is retried.
    if (result || running() || lowercase(log()).find("in use") == std::string::npos) break;
  }
  return result;
}

::testing::AssertionResult ServerProcess::restart(const std::vector<std::string>& extra_args) {
  if (pid_ > 0 || port_ == 0) {
    return ::testing::AssertionFailure() << "restart needs a server that ran and exited";
  }
  return start_on(port_, extra_args);
}

::testing::AssertionResult ServerProcess::start_on(uint16_t port,
                                                   const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"--listen", "127.0.0.1:" + std::to_string(port)};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(args, stdout_path_, log_path_);
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  port_ = port;
  exit_status_ = -1;

  auto deadline = Clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (Clock::now() < deadline) {
    if (!running()) {
      return ::testing::AssertionFailure()
             << "the server exited with status " << exit_status_ << " before listening on port "
             << port << "; its output:\n"
             << log();
    }
    if (can_connect(port)) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_and_reap();
  return ::testing::AssertionFailure() << "the server did not listen on port " << port << " within "
                                       << kStartTimeoutMs << " ms; its output:\n"
                                       << log();
}

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reap(status);
    return false;
  }
  return r == 0;
}

void ServerProcess::send_signal(int signal) {
  if (pid_ > 0) ::kill(pid_, signal);
}

int ServerProcess::wait_for_exit(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (running()) {
    if (Clock::now() >= deadline) {
      ADD_FAILURE() << "the server did not exit within " << timeout_ms
                    << " ms and was killed; its stderr:\n"
                    << log();
      kill_and_reap();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return exit_status_;
}

int ServerProcess::terminate_and_wait(int signal, int timeout_ms) {
  send_signal(signal);
  return wait_for_exit(timeout_ms);
}

std::string ServerProcess::log() const { return log_path_.empty() ? "" : read_file(log_path_); }

std::string ServerProcess::standard_output() const {
  return stdout_path_.empty() ? "" : read_file(stdout_path_);
}

void ServerProcess::reap(int status) {
  exit_status_ = decode_wait_status(status);
  pid_ = -1;
}

void ServerProcess::kill_and_reap() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reap(status);
}

CompletedRun run_server_binary(const std::vector<std::string>& args, int timeout_ms) {
  CompletedRun run;
  std::string log_path = make_temp_file();
  if (log_path.empty()) return run;
  pid_t pid = spawn(args, log_path, log_path);
  if (pid > 0) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    pid_t r = 0;
    while ((r = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (r == 0) {
      ADD_FAILURE() << "the server binary did not finish within " << timeout_ms << " ms";
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    run.exit_status = decode_wait_status(status);
  }
  run.output = read_file(log_path);
  std::filesystem::remove(log_path);
  return run;
}

}  // namespace ringside::itest

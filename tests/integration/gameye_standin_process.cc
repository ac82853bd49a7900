#include "integration/gameye_standin_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "integration/server_process.h"

namespace ringside::itest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStartTimeoutMs = 10000;
constexpr int kPortAttempts = 5;

bool can_connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// fork + execv with stdout and stderr going to log_path; the child dies with the test process.
pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<std::string> argv_strings{gameye_standin_binary()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    if (log_fd >= 0) ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    static constexpr char kMessage[] = "itest: execv of gameye-standin failed\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  return pid;
}

}  // namespace

std::string gameye_standin_binary() {
  return (std::filesystem::path(RINGSIDE_BINARY).parent_path() / "tools" / "gameye-standin" /
          "gameye-standin")
      .string();
}

GameyeStandinProcess::~GameyeStandinProcess() {
  if (running()) kill_and_reap();
  if (!log_path_.empty()) std::filesystem::remove(log_path_);
}

::testing::AssertionResult GameyeStandinProcess::start(const std::vector<std::string>& args) {
  if (pid_ > 0) return ::testing::AssertionFailure() << "the stand-in was already started";
  log_path_ = (std::filesystem::temp_directory_path() / "gameye-standin-XXXXXX").string();
  const int fd = ::mkstemp(log_path_.data());
  if (fd < 0) return ::testing::AssertionFailure() << "cannot create a temporary file";
  ::close(fd);
  ::testing::AssertionResult result = ::testing::AssertionFailure();
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    const uint16_t port = pick_free_port();
    if (port == 0) return ::testing::AssertionFailure() << "no free port";
    result = start_on(port, args);
    if (result || log().find("in use") == std::string::npos) break;
  }
  return result;
}

::testing::AssertionResult GameyeStandinProcess::start_on(uint16_t port,
                                                          const std::vector<std::string>& args) {
  std::vector<std::string> all_args{"--listen", "127.0.0.1:" + std::to_string(port)};
  all_args.insert(all_args.end(), args.begin(), args.end());
  pid_ = spawn(all_args, log_path_);
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  port_ = port;
  const auto deadline = Clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  while (Clock::now() < deadline) {
    if (!running()) {
      return ::testing::AssertionFailure()
             << "gameye-standin (" << gameye_standin_binary() << ") exited with status "
             << exit_status_ << "; its output:\n"
             << log();
    }
    if (can_connect(port)) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill_and_reap();
  return ::testing::AssertionFailure()
         << "gameye-standin did not listen on port " << port << "; its output:\n"
         << log();
}

std::string GameyeStandinProcess::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool GameyeStandinProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    pid_ = -1;
  }
  return false;
}

void GameyeStandinProcess::kill_and_reap() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace ringside::itest

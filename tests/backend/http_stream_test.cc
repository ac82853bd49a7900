// The HTTP client's streams (HttpClient::stream, what the Docker backend follows /events with)
// against a scripted HTTP server on a unix socket: the test says what it sends and when.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "backend/support/reactor_driver.h"
#include "backends/http/http_client.h"

namespace ringside {
namespace {

using std::chrono::milliseconds;

// An HTTP server in a child process (the test's loop must not serve it) that accepts one
// connection, reads the request's head and then sends what the test tells it, when it does:
// commands go over a pipe, one line each, a chunk's bytes after its line.
class ScriptedServer {
 public:
  ScriptedServer() {
    path_ = (std::filesystem::temp_directory_path() /
             ("ringside-stream-test-" + std::to_string(getpid()) + ".sock"))
                .string();
    std::filesystem::remove(path_);
    const int listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd, 4) != 0) {
      ADD_FAILURE() << "cannot listen on " << path_ << ": " << std::strerror(errno);
    }
    int commands[2];
    if (pipe2(commands, O_CLOEXEC) != 0) ADD_FAILURE() << "pipe2 failed";
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(commands[1]);
      serve(listen_fd, commands[0]);
      _exit(0);
    }
    close(commands[0]);
    close(listen_fd);
    commands_ = commands[1];
  }
  ~ScriptedServer() {
    close(commands_);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove(path_);
  }

  const std::string& path() const { return path_; }

  // A 200 whose body is chunked and open-ended.
  void open() { command("open\n"); }
  void chunk(const std::string& data) {
    command("chunk " + std::to_string(data.size()) + "\n" + data);
  }
  // The last chunk: the answer is complete.
  void end() { command("end\n"); }
  // The connection closed mid-answer.
  void cut() { command("cut\n"); }
  // A whole answer with `status` and `body`.
  void answer(int status, const std::string& body) {
    command("answer " + std::to_string(status) + " " + std::to_string(body.size()) + "\n" + body);
  }

 private:
  void command(const std::string& c) {
    ASSERT_EQ(write(commands_, c.data(), c.size()), static_cast<ssize_t>(c.size()));
  }

  static void send_all(int fd, const std::string& s) {
    for (size_t sent = 0; sent < s.size();) {
      const ssize_t n = send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  static void serve(int listen_fd, int commands_fd) {
    FILE* commands = fdopen(commands_fd, "r");
    const int conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = read(conn, buf, sizeof buf);
      if (n <= 0) return;
      head.append(buf, static_cast<size_t>(n));
    }
    char word[16];
    while (std::fscanf(commands, "%15s", word) == 1) {
      const std::string what = word;
      if (what == "open") {
        send_all(conn,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n");
      } else if (what == "chunk" || what == "answer") {
        int status = 0;
        size_t size = 0;
        if (what == "answer" && std::fscanf(commands, "%d", &status) != 1) return;
        if (std::fscanf(commands, "%zu", &size) != 1) return;
        std::fgetc(commands);  // the newline
        std::string data(size, '\0');
        if (size > 0 && std::fread(data.data(), 1, size, commands) != size) return;
        char length[32];
        std::snprintf(length, sizeof length, "%zx\r\n", size);
        if (what == "chunk") {
          send_all(conn, length + data + "\r\n");
        } else {
          send_all(conn, "HTTP/1.1 " + std::to_string(status) +
                             " Error\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(size) + "\r\n\r\n" + data);
        }
      } else if (what == "end") {
        send_all(conn, "0\r\n\r\n");
      } else if (what == "cut") {
        close(conn);
        return;
      }
    }
  }

  std::string path_;
  pid_t pid_ = -1;
  int commands_ = -1;
};

// What a stream's callbacks saw.
struct Seen {
  int opened = 0;
  std::string data;
  int pieces = 0;
  int ended = 0;
  HttpResponse end;

  HttpClient::StreamCallbacks callbacks() {
    HttpClient::StreamCallbacks c;
    c.on_open = [this] { ++opened; };
    c.on_data = [this](std::string_view d) {
      data += d;
      ++pieces;
    };
    c.on_end = [this](HttpResponse&& r) {
      ++ended;
      end = std::move(r);
    };
    return c;
  }
};

class HttpStreamTest : public ::testing::Test {
 protected:
  HttpStreamTest() : driver_(ReactorDriver::Options{100}), client_(driver_.reactor()) {}

  HttpRequest events(uint32_t timeout_ms, size_t max_body_bytes) {
    HttpRequest r;
    r.url = "http://docker/v1.41/events";
    r.unix_socket = server_.path();
    r.timeout_ms = timeout_ms;
    r.max_body_bytes = max_body_bytes;
    return r;
  }

  bool run_until(const std::function<bool()>& done) {
    return driver_.run_until(done, std::chrono::seconds(10));
  }

  ScriptedServer server_;
  ReactorDriver driver_;
  HttpClient client_;
};

TEST_F(HttpStreamTest, DataIsHandedOverAsItArrivesPastTheTimeoutAndTheBodyLimit) {
  Seen seen;
  client_.stream(events(/*timeout_ms=*/300, /*max_body_bytes=*/16), seen.callbacks());
  EXPECT_EQ(seen.opened + seen.ended, 0);  // never from inside stream()
  server_.open();
  ASSERT_TRUE(run_until([&] { return seen.opened == 1; }));
  EXPECT_TRUE(seen.data.empty());

  server_.chunk("{\"Action\":\"die\"}\n");
  ASSERT_TRUE(run_until([&] { return !seen.data.empty(); }));
  EXPECT_EQ(seen.data, "{\"Action\":\"die\"}\n");  // before the answer is over
  EXPECT_EQ(seen.ended, 0);

  driver_.run_for(milliseconds(500));  // silent past the request's timeout: still open
  EXPECT_EQ(seen.ended, 0);
  const std::string big(256 * 1024, 'x');  // far past max_body_bytes
  server_.chunk(big);
  ASSERT_TRUE(run_until([&] { return seen.data.size() == 17 + big.size(); }));
  EXPECT_EQ(seen.ended, 0);

  server_.end();
  ASSERT_TRUE(run_until([&] { return seen.ended == 1; }));
  EXPECT_EQ(seen.end.status, 200) << seen.end.error;
  EXPECT_TRUE(seen.end.body.empty());  // it went to on_data
  EXPECT_EQ(seen.opened, 1);
  EXPECT_EQ(client_.in_flight(), 0u);
}

TEST_F(HttpStreamTest, AStreamCutOffEndsWithoutStatus) {
  Seen seen;
  client_.stream(events(1000, 1 << 20), seen.callbacks());
  server_.open();
  server_.chunk("{}\n");
  ASSERT_TRUE(run_until([&] { return !seen.data.empty(); }));
  server_.cut();
  ASSERT_TRUE(run_until([&] { return seen.ended == 1; }));
  EXPECT_EQ(seen.end.status, 0);
  EXPECT_FALSE(seen.end.error.empty());
  EXPECT_EQ(seen.data, "{}\n");
}

TEST_F(HttpStreamTest, AnErrorAnswerIsNoStreamAndEndsWithItsBody) {
  Seen seen;
  client_.stream(events(1000, 1 << 20), seen.callbacks());
  server_.answer(400, "{\"message\":\"invalid filter\"}");
  ASSERT_TRUE(run_until([&] { return seen.ended == 1; }));
  EXPECT_EQ(seen.opened, 0);
  EXPECT_EQ(seen.pieces, 0);
  EXPECT_EQ(seen.end.status, 400);
  EXPECT_EQ(seen.end.body, "{\"message\":\"invalid filter\"}");
}

TEST_F(HttpStreamTest, NobodyListeningEndsTheStreamUnopened) {
  Seen seen;
  HttpRequest r = events(1000, 1 << 20);
  r.unix_socket += ".missing";
  client_.stream(r, seen.callbacks());
  ASSERT_TRUE(run_until([&] { return seen.ended == 1; }));
  EXPECT_EQ(seen.opened, 0);
  EXPECT_EQ(seen.end.status, 0);
  EXPECT_FALSE(seen.end.timed_out);
}

TEST_F(HttpStreamTest, AStreamCancelledFromItsOwnCallbackHearsNothingMore) {
  Seen seen;
  HttpClient::StreamCallbacks c = seen.callbacks();
  HttpClient::RequestId id = 0;
  c.on_data = [&](std::string_view d) {
    seen.data += d;
    ++seen.pieces;
    client_.cancel(id);
  };
  id = client_.stream(events(1000, 1 << 20), std::move(c));
  server_.open();
  server_.chunk("first\n");
  ASSERT_TRUE(run_until([&] { return seen.pieces == 1; }));
  EXPECT_EQ(client_.in_flight(), 0u);
  server_.chunk("second\n");
  server_.end();
  driver_.run_for(milliseconds(300));
  EXPECT_EQ(seen.data, "first\n");
  EXPECT_EQ(seen.pieces, 1);
  EXPECT_EQ(seen.ended, 0);
}

// A callback that cancels its own stream (the Docker backend does, on an over-long line) must
// not be destroyed while it runs: what it captured is still there after the cancel. Told by a
// weak pointer the closure does not hold (the closure itself may be gone when it looks).
std::weak_ptr<int> g_captured;
bool g_captured_after_cancel = false;

HttpClient::StreamCallbacks cancelling_itself(HttpClient& client, HttpClient::RequestId& id,
                                              bool on_open, Seen& seen) {
  HttpClient::StreamCallbacks c = seen.callbacks();
  auto captured = std::make_shared<int>(1);
  g_captured = captured;
  g_captured_after_cancel = false;
  auto cancel = [&client, &id, captured] {
    client.cancel(id);
    g_captured_after_cancel = !g_captured.expired();
  };
  if (on_open) {
    c.on_open = cancel;
  } else {
    c.on_data = [cancel](std::string_view) { cancel(); };
  }
  return c;
}

TEST_F(HttpStreamTest, OnDataThatCancelsItsOwnStreamRunsToItsEnd) {
  Seen seen;
  HttpClient::RequestId id = 0;
  id = client_.stream(events(1000, 1 << 20), cancelling_itself(client_, id, false, seen));
  server_.open();
  server_.chunk("{\"Action\":\"die\"}\n");
  ASSERT_TRUE(run_until([&] { return client_.in_flight() == 0; }));
  EXPECT_TRUE(g_captured_after_cancel);
  EXPECT_TRUE(g_captured.expired());  // and released once it returned
  EXPECT_EQ(seen.ended, 0);
}

TEST_F(HttpStreamTest, OnOpenThatCancelsItsOwnStreamRunsToItsEnd) {
  Seen seen;
  HttpClient::RequestId id = 0;
  id = client_.stream(events(1000, 1 << 20), cancelling_itself(client_, id, true, seen));
  server_.open();
  server_.chunk("{}\n");
  ASSERT_TRUE(run_until([&] { return client_.in_flight() == 0; }));
  EXPECT_TRUE(g_captured_after_cancel);
  EXPECT_TRUE(g_captured.expired());
  driver_.run_for(milliseconds(200));
  EXPECT_EQ(seen.pieces, 0);  // the chunk came after the cancel: not handed over
  EXPECT_EQ(seen.ended, 0);
}

}  // namespace
}  // namespace ringside

// The HTTP client against real servers: the Gameye stand-in process over TCP, and a small
// blocking HTTP responder on a unix socket (the way Docker is reached), all driven from a
// reactor on the test's thread.
#include "backends/http/http_client.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "backend/support/reactor_driver.h"
#include "integration/gameye_standin_process.h"
#include "integration/server_process.h"

namespace ringside {
namespace {

using std::chrono::milliseconds;

constexpr char kToken[] = "test-token";

std::string bearer() { return std::string("Authorization: Bearer ") + kToken; }

// Collects the one answer a request should get, and how often it came.
struct Outcome {
  int calls = 0;
  HttpResponse response;

  HttpClient::Callback callback() {
    return [this](HttpResponse&& r) {
      ++calls;
      response = std::move(r);
    };
  }
  bool done() const { return calls > 0; }
};

std::string launch_body(const std::string& id) {
  return R"({"id":")" + id +
         R"(","location":"europe","image":"nginx","env":{},"args":[],"restart":false})";
}

// A blocking HTTP/1.1 responder on a unix socket, in a child process (a thread would share
// the test's process, whose loop it must not depend on), one connection at a time, keep-alive:
// answers every request 200 with the request's own body and Content-Type application/x-tar.
// Reports each connection it accepts with one byte on a pipe.
class UnixEchoServer {
 public:
  UnixEchoServer() {
    path_ = (std::filesystem::temp_directory_path() /
             ("ringside-http-test-" + std::to_string(getpid()) + ".sock"))
                .string();
    std::filesystem::remove(path_);
    int listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listen_fd, 16) != 0) {
      ADD_FAILURE() << "cannot listen on " << path_ << ": " << std::strerror(errno);
    }
    int report[2];
    if (pipe2(report, O_CLOEXEC | O_NONBLOCK) != 0) ADD_FAILURE() << "pipe2 failed";
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      close(report[0]);
      serve(listen_fd, report[1]);
      _exit(0);
    }
    close(report[1]);
    close(listen_fd);
    report_fd_ = report[0];
  }
  ~UnixEchoServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(report_fd_);
    std::filesystem::remove(path_);
  }

  const std::string& path() const { return path_; }
  int connections() {
    char buf[64];
    for (ssize_t n; (n = read(report_fd_, buf, sizeof buf)) > 0;) connections_ += n;
    return connections_;
  }

 private:
  static void serve(int listen_fd, int report_fd) {
    for (;;) {
      int conn = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      (void)!write(report_fd, "c", 1);
      serve_connection(conn);
      close(conn);
    }
  }

  static void serve_connection(int conn) {
    std::string in;
    char buf[65536];
    auto fill = [&] {
      ssize_t n = read(conn, buf, sizeof buf);
      if (n > 0) in.append(buf, static_cast<size_t>(n));
      return n > 0;
    };
    for (;;) {
      size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
        if (!fill()) return;
      }
      size_t length = content_length(in.substr(0, head_end));
      while (in.size() < head_end + 4 + length) {
        if (!fill()) return;
      }
      std::string body = in.substr(head_end + 4, length);
      in.erase(0, head_end + 4 + length);
      std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
      for (size_t sent = 0; sent < reply.size();) {
        ssize_t n = send(conn, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
    }
  }

  static size_t content_length(const std::string& head) {
    std::string lower = head;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t at = lower.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::strtoul(head.c_str() + at + 17, nullptr, 10);
  }

  std::string path_;
  pid_t pid_ = -1;
  int report_fd_ = -1;
  int connections_ = 0;
};

class HttpClientTest : public ::testing::Test {
 protected:
  // The production tick: nothing the client does may wait for it.
  HttpClientTest() : driver_(ReactorDriver::Options{100}), client_(driver_.reactor()) {}

  HttpRequest get(const std::string& path) {
    HttpRequest r;
    r.url = standin_.base_url() + path;
    r.headers = {bearer()};
    return r;
  }

  bool run_until(const std::function<bool()>& done) {
    return driver_.run_until(done, std::chrono::seconds(20));
  }

  itest::GameyeStandinProcess standin_;
  ReactorDriver driver_;
  HttpClient client_;
};

TEST_F(HttpClientTest, GetPostAndDeleteSeeStatusBodyAndContentType) {
  ASSERT_TRUE(standin_.start({"--token", kToken}));
  const std::string id = "8f0e4b8c-4c8e-4c38-9a57-3f7a2b1e6d01";

  HttpRequest launch = get("/session");
  launch.method = "POST";
  launch.headers.push_back("Content-Type: application/json");
  launch.body = launch_body(id);
  Outcome launched;
  client_.send(launch, launched.callback());
  EXPECT_EQ(launched.calls, 0);  // never from inside send()
  ASSERT_TRUE(run_until([&] { return launched.done(); }));
  EXPECT_EQ(launched.response.status, 200) << launched.response.error;
  EXPECT_NE(launched.response.body.find("\"ports\""), std::string::npos) << launched.response.body;
  EXPECT_NE(launched.response.content_type.find("application/json"), std::string::npos);
  EXPECT_TRUE(launched.response.error.empty());

  Outcome described;
  client_.send(get("/session/" + id), described.callback());
  ASSERT_TRUE(run_until([&] { return described.done(); }));
  EXPECT_EQ(described.response.status, 200);
  EXPECT_NE(described.response.body.find(id), std::string::npos) << described.response.body;

  HttpRequest stop = get("/session/" + id);
  stop.method = "DELETE";
  Outcome stopped, stopped_again;
  client_.send(stop, stopped.callback());
  ASSERT_TRUE(run_until([&] { return stopped.done(); }));
  EXPECT_EQ(stopped.response.status, 204);
  client_.send(stop, stopped_again.callback());
  ASSERT_TRUE(run_until([&] { return stopped_again.done(); }));
  EXPECT_EQ(stopped_again.response.status, 409);  // an HTTP error is still an answer
  EXPECT_TRUE(stopped_again.response.error.empty());

  HttpRequest anonymous = get("/session");
  anonymous.headers.clear();
  Outcome refused;
  client_.send(anonymous, refused.callback());
  ASSERT_TRUE(run_until([&] { return refused.done(); }));
  EXPECT_EQ(refused.response.status, 401);
  EXPECT_EQ(client_.in_flight(), 0u);
}

TEST_F(HttpClientTest, ManyConcurrentRequestsAreEachAnsweredOnce) {
  ASSERT_TRUE(standin_.start({"--token", kToken}));
  constexpr int kRequests = 300;
  std::vector<Outcome> outcomes(kRequests);
  for (Outcome& o : outcomes) client_.send(get("/session"), o.callback());
  EXPECT_EQ(client_.in_flight(), static_cast<size_t>(kRequests));
  int answered = 0;
  ASSERT_TRUE(run_until([&] {
    answered = 0;
    for (const Outcome& o : outcomes) answered += o.done();
    return answered == kRequests;
  })) << answered
      << " of " << kRequests << " answered";
  driver_.run_for(milliseconds(200));  // room for a duplicate to show up
  for (const Outcome& o : outcomes) {
    EXPECT_EQ(o.calls, 1);
    EXPECT_EQ(o.response.status, 200) << o.response.error;
  }
  EXPECT_EQ(client_.in_flight(), 0u);

  // The stand-in saw each of them exactly once.
  Outcome stats;
  client_.send(get("/_standin/stats"), stats.callback());
  ASSERT_TRUE(run_until([&] { return stats.done(); }));
  EXPECT_NE(stats.response.body.find(R"("GET /session":{"200":300})"), std::string::npos)
      << stats.response.body;
}

TEST_F(HttpClientTest, ACallbackMaySendTheNextRequest) {
  ASSERT_TRUE(standin_.start({"--token", kToken}));
  Outcome first, second;
  client_.send(get("/session"), [&](HttpResponse&& r) {
    first.callback()(std::move(r));
    client_.send(get("/session/unknown"), second.callback());
  });
  ASSERT_TRUE(run_until([&] { return second.done(); }));
  EXPECT_EQ(first.response.status, 200);
  EXPECT_EQ(second.response.status, 404);
}

TEST_F(HttpClientTest, AServerThatNeverAnswersTimesOut) {
  ASSERT_TRUE(standin_.start({"--token", kToken, "--hang-rate", "1"}));
  HttpRequest launch = get("/session");
  launch.method = "POST";
  launch.body = launch_body("0d5c3c2e-7f43-4b8e-9a0f-5b8e2f1c9a11");
  launch.timeout_ms = 300;
  Outcome hung;
  client_.send(launch, hung.callback());
  ASSERT_TRUE(run_until([&] { return hung.done(); }));
  EXPECT_EQ(hung.response.status, 0);
  EXPECT_TRUE(hung.response.timed_out);
  EXPECT_FALSE(hung.response.error.empty());
  EXPECT_EQ(hung.calls, 1);
}

TEST_F(HttpClientTest, ARefusedConnectionIsAnErrorWithoutStatus) {
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(itest::pick_free_port()) + "/session";
  Outcome refused;
  client_.send(r, refused.callback());
  ASSERT_TRUE(run_until([&] { return refused.done(); }));
  EXPECT_EQ(refused.response.status, 0);
  EXPECT_FALSE(refused.response.timed_out);
  EXPECT_FALSE(refused.response.error.empty());
}

TEST_F(HttpClientTest, AnAnswerOverTheBodyLimitIsAnError) {
  ASSERT_TRUE(standin_.start({"--token", kToken}));
  HttpRequest big = get("/_standin/stats");
  big.max_body_bytes = 8;  // the stats answer is longer
  Outcome cut;
  client_.send(big, cut.callback());
  ASSERT_TRUE(run_until([&] { return cut.done(); }));
  EXPECT_EQ(cut.response.status, 0);
  EXPECT_FALSE(cut.response.error.empty());
  EXPECT_TRUE(cut.response.body.empty());
  EXPECT_TRUE(cut.response.too_large);  // the Docker backend tells save_too_large by it

  Outcome whole;
  client_.send(get("/_standin/stats"), whole.callback());
  ASSERT_TRUE(run_until([&] { return whole.done(); }));
  EXPECT_EQ(whole.response.status, 200) << whole.response.error;
  EXPECT_FALSE(whole.response.too_large);
}

TEST_F(HttpClientTest, ACancelledRequestIsNeverAnswered) {
  ASSERT_TRUE(standin_.start({"--token", kToken, "--hang-rate", "1"}));
  HttpRequest launch = get("/session");
  launch.method = "POST";
  launch.body = launch_body("3b6f1d7a-2c4e-4f5a-8b9c-0d1e2f3a4b5c");
  launch.timeout_ms = 200;
  Outcome before_start, in_flight;
  client_.cancel(client_.send(launch, before_start.callback()));
  HttpClient::RequestId id = client_.send(launch, in_flight.callback());
  driver_.run_for(milliseconds(50));  // connected and sent, waiting for the answer
  client_.cancel(id);
  client_.cancel(id);  // twice, and an id that never was: ignored
  client_.cancel(987654);
  EXPECT_EQ(client_.in_flight(), 0u);

  // Past both timeouts, with another request answered meanwhile.
  Outcome other;
  HttpRequest later = get("/session");
  later.timeout_ms = 400;
  client_.send(later, other.callback());
  driver_.run_for(milliseconds(400));
  EXPECT_TRUE(other.done());
  EXPECT_EQ(before_start.calls, 0);
  EXPECT_EQ(in_flight.calls, 0);
}

TEST_F(HttpClientTest, UnixSocketCarriesBinaryBodiesOverOneConnection) {
  UnixEchoServer server;
  std::string tar(256 * 1024, '\0');
  std::mt19937 random(7);
  for (char& c : tar) c = static_cast<char>(random());

  for (int i = 0; i < 3; ++i) {
    HttpRequest put;
    put.method = "PUT";
    put.url = "http://localhost/containers/c1/archive?path=%2Fsave";
    put.unix_socket = server.path();
    put.headers = {"Content-Type: application/x-tar"};
    put.body = tar;
    Outcome echoed;
    client_.send(put, echoed.callback());
    ASSERT_TRUE(run_until([&] { return echoed.done(); }));
    EXPECT_EQ(echoed.response.status, 200) << echoed.response.error;
    EXPECT_EQ(echoed.response.content_type, "application/x-tar");
    EXPECT_TRUE(echoed.response.body == tar)
        << "body of " << echoed.response.body.size() << " bytes differs";
  }
  HttpRequest ping;
  ping.url = "http://localhost/_ping";
  ping.unix_socket = server.path();
  Outcome pinged;
  client_.send(ping, pinged.callback());
  ASSERT_TRUE(run_until([&] { return pinged.done(); }));
  EXPECT_EQ(pinged.response.status, 200);
  EXPECT_TRUE(pinged.response.body.empty());
  EXPECT_EQ(server.connections(), 1);  // kept alive and reused
}

// A webhook receiver may answer 200 with a page far past any limit: with discard_body the
// status stands and nothing is kept; without it the same answer is cut off (status 0).
TEST_F(HttpClientTest, ADiscardedBodyOfAnySizeKeepsItsStatus) {
  UnixEchoServer server;
  const std::string page(200 * 1024, 'x');  // echoed back: a 200 KiB answer
  HttpRequest post;
  post.method = "POST";
  post.url = "http://localhost/hook";
  post.unix_socket = server.path();
  post.body = page;
  post.max_body_bytes = 64 << 10;

  post.discard_body = true;
  Outcome dropped;
  client_.send(post, dropped.callback());
  ASSERT_TRUE(run_until([&] { return dropped.done(); }));
  EXPECT_EQ(dropped.response.status, 200) << dropped.response.error;
  EXPECT_TRUE(dropped.response.error.empty()) << dropped.response.error;
  EXPECT_FALSE(dropped.response.too_large);
  EXPECT_TRUE(dropped.response.body.empty()) << dropped.response.body.size() << " bytes kept";

  post.discard_body = false;
  Outcome cut;
  client_.send(post, cut.callback());
  ASSERT_TRUE(run_until([&] { return cut.done(); }));
  EXPECT_EQ(cut.response.status, 0);
  EXPECT_TRUE(cut.response.too_large);
}

// ringside_backend_requests_total's source: answers below 500 are ok, a 5xx or no answer at
// all is an error, a cancelled request is neither.
TEST_F(HttpClientTest, CountsAnsweredCallsAsOkAndFivexxOrNoAnswerAsErrors) {
  ASSERT_TRUE(standin_.start({"--token", kToken, "--delete-unavailable-first", "1"}));
  Counter ok, error;
  client_.count_calls(ok, error);

  Outcome listed, refused_auth, unavailable, unreachable;
  client_.send(get("/session"), listed.callback());
  HttpRequest anonymous = get("/session");
  anonymous.headers.clear();
  client_.send(anonymous, refused_auth.callback());
  HttpRequest remove = get("/session/8f0e4b8c-4c8e-4c38-9a57-3f7a2b1e6d01");
  remove.method = "DELETE";
  client_.send(remove, unavailable.callback());
  HttpRequest nowhere;
  nowhere.url = "http://127.0.0.1:" + std::to_string(itest::pick_free_port()) + "/session";
  client_.send(nowhere, unreachable.callback());
  ASSERT_TRUE(run_until([&] {
    return listed.done() && refused_auth.done() && unavailable.done() && unreachable.done();
  }));
  EXPECT_EQ(unavailable.response.status, 503) << unavailable.response.body;
  EXPECT_EQ(ok.get(), 2u);     // 200 and 401
  EXPECT_EQ(error.get(), 2u);  // 503 and a refused connection

  client_.cancel(client_.send(get("/session"), [](HttpResponse&&) {}));
  Outcome after;
  client_.send(get("/session"), after.callback());
  ASSERT_TRUE(run_until([&] { return after.done(); }));
  EXPECT_EQ(ok.get(), 3u);
  EXPECT_EQ(error.get(), 2u);
}

}  // namespace
}  // namespace ringside

#pragma once
// The Docker backend against real engines (tools/docker-env: two dockerd, a local registry, the
// test game image that appends a tick to /save/progress.txt every second and burns CPU): the
// fixture of docker_tests. What the backend did is checked on the engines themselves, over
// their API.
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "backend/support/placed_sessions.h"
#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "backend/support/tar_files.h"
#include "backends/docker/docker_backend.h"
#include "backends/docker/save_archive.h"
#include "model/ids.h"

namespace ringside::docker_test {

using namespace std::chrono_literals;

struct Answer {
  long status = 0;
  std::string body;
};

inline size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One blocking call to an engine, from the test's thread (the backend's calls are its own).
inline Answer engine_call(const std::string& socket, const std::string& method,
                          const std::string& path, const std::string& body = "",
                          const char* content_type = nullptr) {
  Answer a;
  CURL* c = curl_easy_init();
  const std::string url = "http://docker/v1.41" + path;
  curl_slist* headers = nullptr;
  if (content_type != nullptr) {
    headers = curl_slist_append(headers, (std::string("Content-Type: ") + content_type).c_str());
  }
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return a;
}

class DockerBackendTest : public testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("RINGSIDE_DOCKER_ENV");
    if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "RINGSIDE_DOCKER_ENV is not set";
    env_dir_ = dir;
    // Healthy: ~1 s. After a test that killed an engine: rebuilt from scratch.
    const std::string up =
        std::string("'") + RINGSIDE_DOCKER_ENV_TOOL + "' up '" + env_dir_ + "' 2 >/dev/null";
    ASSERT_EQ(std::system(up.c_str()), 0) << "docker-env up failed";
    std::ifstream env(env_dir_ + "/env");
    std::string line;
    while (std::getline(env, line)) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) vars_[line.substr(0, eq)] = line.substr(eq + 1);
    }
    image_ = vars_["GAME_IMAGE"];
    std::string hosts = vars_["DOCKER_HOSTS"];
    for (size_t start = 0; start < hosts.size();) {
      size_t comma = hosts.find(',', start);
      if (comma == std::string::npos) comma = hosts.size();
      addresses_.push_back(hosts.substr(start, comma - start));
      sockets_.push_back(addresses_.back().substr(7));
      start = comma + 1;
    }
    ASSERT_EQ(sockets_.size(), 2u);
    // Every test starts from engines without ringside containers and without the game image.
    for (const std::string& socket : sockets_) {
      for (const std::string& id : session_containers(socket)) {
        engine_call(socket, "DELETE", "/containers/" + id + "?force=true");
      }
      for (const std::string& id : warm_containers(socket)) {
        engine_call(socket, "DELETE", "/containers/" + id + "?force=true");
      }
      engine_call(socket, "DELETE", "/images/" + image_ + "?force=true");
    }
    // Per process: two build directories may run these tests at once.
    save_root_ = testing::TempDir() + "/ringside-docker-saves-" + std::to_string(getpid());
    std::filesystem::remove_all(save_root_);
  }

  void TearDown() override {
    backend_.reset();
    std::filesystem::remove_all(save_root_);
  }

  DockerOptions options() const {
    DockerOptions o;
    o.save_root = save_root_;
    o.stop_grace_s = 3;
    o.ping_interval_ms = 200;
    o.ping_timeout_ms = 1000;
    o.orphan_grace_ms = 500;
    o.lost_timeout_ms = 1000;
    return o;
  }

  std::vector<DockerEngine> engines(uint32_t slots = 8) const {
    std::vector<DockerEngine> out;
    for (size_t i = 0; i < addresses_.size(); ++i) {
      DockerEngine e;
      // Appended, not "d" + to_string(): GCC 12 warns (-Wrestrict) on that once inlined.
      e.info.name = "d";
      e.info.name += std::to_string(i + 1);
      e.info.url_base = "http://127.0.0.1";
      e.info.cpu_millicores = 2000;
      e.info.memory_mb = 1024;
      e.info.slots = slots;
      e.address = addresses_[i];
      out.push_back(std::move(e));
    }
    return out;
  }

  void make_backend(uint32_t slots = 8) {
    backend_ = std::make_unique<DockerBackend>(engines(slots), options(), driver_.reactor(),
                                               events_, metrics_);
  }

  // Ids of the containers with a ringside.session label on an engine, running or not.
  std::vector<std::string> session_containers(const std::string& socket) {
    Answer a = engine_call(socket, "GET",
                           "/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ringside."
                           "session%22%5D%7D");
    std::vector<std::string> ids;
    for (size_t at = 0; (at = a.body.find("\"Id\":\"", at)) != std::string::npos;) {
      at += 6;
      ids.push_back(a.body.substr(at, a.body.find('"', at) - at));
    }
    return ids;
  }

  // Ids of the containers with a ringside.warm label on an engine, running or not.
  std::vector<std::string> warm_containers(const std::string& socket) {
    Answer a = engine_call(socket, "GET",
                           "/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ringside."
                           "warm%22%5D%7D");
    std::vector<std::string> ids;
    for (size_t at = 0; (at = a.body.find("\"Id\":\"", at)) != std::string::npos;) {
      at += 6;
      ids.push_back(a.body.substr(at, a.body.find('"', at) - at));
    }
    return ids;
  }

  struct Launch {
    Id128 id = random_id128();
    std::string text = id_to_string(IdKind::kSession, IdOwner{}, id);
    Id128 slot = random_id128();
  };

  void start(const Launch& l, uint32_t server, bool fresh = true) {
    PlacedSession spec = test_start(l.id, l.slot, server, image_);
    spec.fresh_slot = fresh;
    backend_->start(std::move(spec));
  }

  bool wait_running(const Launch& l) {
    return driver_.run_until([&] { return events_.settled(l.id); }, 60s) &&
           events_.has_running(l.id);
  }

  std::optional<SessionFigures> stop_and_wait(const Launch& l) {
    backend_->stop(l.id);
    driver_.run_until([&] { return events_.stopped(l.id).has_value(); }, 60s);
    return events_.stopped(l.id);
  }

  std::string save_in_container(uint32_t server, const std::string& container) {
    Answer a =
        engine_call(sockets_[server], "GET", "/containers/" + container + "/archive?path=%2Fsave");
    EXPECT_EQ(a.status, 200);
    return tar_entries(a.body)["save/progress.txt"];
  }

  pid_t dockerd_pid(uint32_t server) const {
    std::ifstream pidfile(env_dir_ + "/d" + std::to_string(server + 1) + "/dockerd.pid");
    pid_t pid = 0;
    pidfile >> pid;
    return pid;
  }

  // Kills the engine's dockerd (SIGKILL: its containers run on under containerd) and starts it
  // again as tools/docker-env did, with the same command line; true once it answers a ping.
  bool restart_dockerd(uint32_t server) {
    const pid_t old_pid = dockerd_pid(server);
    std::ifstream cmdline("/proc/" + std::to_string(old_pid) + "/cmdline");
    std::vector<std::string> args;
    for (std::string arg; std::getline(cmdline, arg, '\0');) args.push_back(arg);
    if (old_pid <= 0 || args.empty() || kill(old_pid, SIGKILL) != 0) return false;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (kill(old_pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    const std::string dir = env_dir_ + "/d" + std::to_string(server + 1);
    const pid_t pid = fork();
    if (pid == 0) {
      setsid();
      const int log = open((dir + "/dockerd.log").c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
      const int null = open("/dev/null", O_RDONLY);
      dup2(null, 0);
      dup2(log, 1);
      dup2(log, 2);
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    std::ofstream(dir + "/dockerd.pid") << pid << "\n";
    while (std::chrono::steady_clock::now() < deadline) {
      if (engine_call(sockets_[server], "GET", "/_ping").status == 200) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  // Fills the running container's save directory with `tar` (as its game would).
  void put_in_save(uint32_t server, const std::string& container, const std::string& tar) {
    Answer put =
        engine_call(sockets_[server], "PUT", "/containers/" + container + "/archive?path=%2Fsave",
                    tar, "application/x-tar");
    ASSERT_EQ(put.status, 200) << put.body;
  }

  // A container on `server` labelled as ringside labels a session's (ringside.game too, which
  // every container ringside makes carries and listings filter on), made from outside (a
  // stranger, or what a start cut short left behind). `extra` goes into the create body.
  std::string create_labelled(uint32_t server, const std::string& session, bool start_it,
                              const std::string& extra = "") {
    pull_image(server);
    Answer created =
        engine_call(sockets_[server], "POST", "/containers/create",
                    "{\"Image\":\"" + image_ + "\",\"Labels\":{\"ringside.session\":\"" + session +
                        "\",\"ringside.game\":\"test-game\"}" + extra + "}",
                    "application/json");
    EXPECT_EQ(created.status, 201) << created.body;
    const size_t at = created.body.find("\"Id\":\"") + 6;
    const std::string id = created.body.substr(at, created.body.find('"', at) - at);
    if (start_it) {
      EXPECT_EQ(engine_call(sockets_[server], "POST", "/containers/" + id + "/start").status, 204);
    }
    return id;
  }

  void pull_image(uint32_t server) {
    Answer pulled = engine_call(sockets_[server], "POST",
                                "/images/create?fromImage=" + image_.substr(0, image_.rfind(':')) +
                                    "&tag=" + image_.substr(image_.rfind(':') + 1));
    ASSERT_EQ(pulled.status, 200);
  }

  bool container_exists(uint32_t server, const std::string& id) {
    return engine_call(sockets_[server], "GET", "/containers/" + id + "/json").status == 200;
  }

  PlacedSession recovered(const Launch& l, uint32_t server, bool was_running) const {
    PlacedSession r = test_session(l.id, l.slot, server);
    r.was_running = was_running;
    return r;
  }

  // The time since `since`, in ms: printed (the figure to quote) and recorded in the test's
  // XML report as `name`.
  int64_t measured_ms(const char* name, std::chrono::steady_clock::time_point since) {
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - since)
                           .count();
    std::printf("measured %s=%lld\n", name, static_cast<long long>(ms));
    RecordProperty(name, std::to_string(ms));
    return ms;
  }

  // Stopped or lost: the session's end, whichever came.
  bool ended(const Launch& l) const {
    return events_.stopped(l.id).has_value() || events_.lost(l.id).has_value();
  }

  std::string env_dir_;
  std::map<std::string, std::string> vars_;
  std::string image_;
  std::vector<std::string> addresses_, sockets_;
  std::string save_root_;
  ReactorDriver driver_;
  RecordingEvents events_;
  BackendMetrics metrics_;
  std::unique_ptr<DockerBackend> backend_;
};

}  // namespace ringside::docker_test

// The Docker backend against real engines (tools/docker-env: two dockerd, a local registry, the
// test game image that appends a tick to /save/progress.txt every second and burns CPU). What
// the backend did is checked on the engines themselves, over their API.
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

#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "backend/support/tar_files.h"
#include "backends/docker/docker_backend.h"
#include "backends/docker/save_archive.h"
#include "store/ids.h"

namespace ringside {
namespace {

using namespace std::chrono_literals;

struct Answer {
  long status = 0;
  std::string body;
};

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One blocking call to an engine, from the test's thread (the backend's calls are its own).
Answer engine_call(const std::string& socket, const std::string& method, const std::string& path,
                   const std::string& body = "", const char* content_type = nullptr) {
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

  std::vector<DockerEngine> engines() const {
    std::vector<DockerEngine> out;
    for (size_t i = 0; i < addresses_.size(); ++i) {
      DockerEngine e;
      e.info.name = "d" + std::to_string(i + 1);
      e.info.url_base = "http://127.0.0.1";
      e.info.cpu_millicores = 2000;
      e.info.memory_mb = 1024;
      e.info.slots = 8;
      e.address = addresses_[i];
      out.push_back(std::move(e));
    }
    return out;
  }

  void make_backend() {
    backend_ =
        std::make_unique<DockerBackend>(engines(), options(), driver_.reactor(), events_, metrics_);
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

  struct Launch {
    Id128 id = random_id128();
    std::string text = id_to_string(IdKind::kSession, 0, id);
    Id128 slot = random_id128();
  };

  void start(const Launch& l, uint32_t server, bool fresh = true) {
    StartSpec spec;
    spec.session = l.id;
    spec.session_id_text = l.text;
    spec.player_id = "p-test";
    spec.game_slug = "test-game";
    spec.image = image_;
    spec.save_dir = "/save";
    spec.save_slot = l.slot;
    spec.fresh_slot = fresh;
    spec.server = server;
    spec.cpu_millicores = 1000;
    spec.memory_mb = 64;
    backend_->start(spec);
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

  // A container on `server` labelled as ringside labels a session's, made from outside (a
  // stranger, or what a start cut short left behind). `extra` goes into the create body.
  std::string create_labelled(uint32_t server, const std::string& session, bool start_it,
                              const std::string& extra = "") {
    pull_image(server);
    Answer created =
        engine_call(sockets_[server], "POST", "/containers/create",
                    "{\"Image\":\"" + image_ + "\",\"Labels\":{\"ringside.session\":\"" + session +
                        "\"}" + extra + "}",
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

  RecoveredSession recovered(const Launch& l, uint32_t server, bool was_running) const {
    RecoveredSession r;
    r.session = l.id;
    r.session_id_text = l.text;
    r.player_id = "p-test";
    r.game_slug = "test-game";
    r.save_dir = "/save";
    r.save_slot = l.slot;
    r.server = server;
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

TEST_F(DockerBackendTest, LaunchRunsWithItsSaveAndStopBringsTheSaveBackChanged) {
  make_backend();
  Launch l;
  std::string error;
  ASSERT_TRUE(write_save(save_file_path(save_root_, l.slot),
                         make_tar({{"save/progress.txt", "tick 41 0\n"}}), &error));
  start(l, 0, /*fresh=*/false);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  EXPECT_TRUE(events_.has_phase(l.id, StartPhase::kPulling));
  EXPECT_TRUE(events_.has_phase(l.id, StartPhase::kCreating));
  const std::string container = backend_->container_of(l.id);
  ASSERT_FALSE(container.empty());

  Answer inspect = engine_call(sockets_[0], "GET", "/containers/" + container + "/json");
  EXPECT_NE(inspect.body.find("\"Name\":\"/ringside-" + l.text + "\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.session\":\"" + l.text + "\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"ringside.player\":\"p-test\""), std::string::npos);
  EXPECT_NE(inspect.body.find("\"Memory\":67108864"), std::string::npos);
  EXPECT_NE(inspect.body.find("\"NanoCpus\":1000000000"), std::string::npos);
  // The game found the save put in before it started, and goes on from it.
  EXPECT_EQ(save_in_container(0, container).rfind("tick 41 0\ntick 42 ", 0), 0u);

  driver_.run_for(2500ms);  // a few ticks, a few hundred ms of CPU
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0.1);
  // cgroup v1 here: the engine reports max_usage. On v2 it is NaN (unknown), never zero.
  EXPECT_TRUE(std::isnan(figures->peak_memory_mb) || figures->peak_memory_mb > 0);
  EXPECT_GT(figures->save_bytes, 0u);

  std::optional<std::string> saved = read_save(save_file_path(save_root_, l.slot), &error);
  ASSERT_TRUE(saved) << error;
  EXPECT_EQ(saved->size(), figures->save_bytes);
  const std::string progress = tar_entries(*saved)["save/progress.txt"];
  EXPECT_EQ(progress.rfind("tick 41 0\n", 0), 0u) << progress;
  EXPECT_GT(last_tick(progress), 43) << progress;
  EXPECT_EQ(engine_call(sockets_[0], "GET", "/containers/" + container + "/json").status, 404);
  EXPECT_EQ(backend_->session_count(), 0u);
}

TEST_F(DockerBackendTest, SecondLaunchOfTheSameGameOnTheSameEngineSkipsThePull) {
  make_backend();
  EXPECT_FALSE(backend_->has_image(1, image_));
  Launch a, b;
  start(a, 1);
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_TRUE(backend_->has_image(1, image_));
  EXPECT_FALSE(backend_->has_image(0, image_));
  start(b, 1);
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_FALSE(events_.has_phase(b.id, StartPhase::kPulling));
  ASSERT_TRUE(stop_and_wait(a));
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, AnImageRemovedBehindItsBackIsPulledAgain) {
  make_backend();
  Launch a, b;
  start(a, 0);
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  ASSERT_TRUE(stop_and_wait(a));
  EXPECT_EQ(backend_->pulls_started(), 1u);
  // An operator prunes the image; the backend still believes the engine holds it.
  Answer removed = engine_call(sockets_[0], "DELETE", "/images/" + image_ + "?force=true");
  ASSERT_EQ(removed.status, 200) << removed.body;
  ASSERT_TRUE(backend_->has_image(0, image_));
  start(b, 0);
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 2u);
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, ANewBackendKnowsTheImagesAnEngineHolds) {
  engine_call(sockets_[0], "POST",
              "/images/create?fromImage=" + image_.substr(0, image_.rfind(':')) +
                  "&tag=" + image_.substr(image_.rfind(':') + 1));
  make_backend();
  ASSERT_TRUE(driver_.run_until([&] { return backend_->has_image(0, image_); }, 10s));
  EXPECT_FALSE(backend_->has_image(1, image_));
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 0u);
  ASSERT_TRUE(stop_and_wait(l));
}

TEST_F(DockerBackendTest, TwoLaunchesAtOnceShareOnePull) {
  make_backend();
  Launch a, b;
  start(a, 0);
  start(b, 0);
  EXPECT_TRUE(events_.has_phase(a.id, StartPhase::kPulling));
  EXPECT_TRUE(events_.has_phase(b.id, StartPhase::kPulling));
  ASSERT_TRUE(wait_running(a)) << events_.describe();
  ASSERT_TRUE(wait_running(b)) << events_.describe();
  EXPECT_EQ(backend_->pulls_started(), 1u);
  EXPECT_NE(backend_->container_of(a.id), backend_->container_of(b.id));
  ASSERT_TRUE(stop_and_wait(a));
  ASSERT_TRUE(stop_and_wait(b));
}

TEST_F(DockerBackendTest, AStopWhilePullingLeavesNoContainer) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(events_.has_phase(l.id, StartPhase::kPulling));
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->cpu_seconds, 0);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_FALSE(events_.has_running(l.id));
  // The pull goes on and ends; still nothing is created for the stopped launch.
  ASSERT_TRUE(driver_.run_until([&] { return backend_->has_image(0, image_); }, 30s));
  driver_.run_for(500ms);
  EXPECT_TRUE(session_containers(sockets_[0]).empty());
  EXPECT_EQ(events_.of(l.id).back().kind, RecordedEvent::kStopped);
}

TEST_F(DockerBackendTest, AfterARestartRecoverAdoptsRunningContainersAndSettlesTheRest) {
  make_backend();
  Launch running, gone, cut_short;
  start(running, 1);
  ASSERT_TRUE(wait_running(running)) << events_.describe();
  const std::string container = backend_->container_of(running.id);
  backend_.reset();  // as after kill -9: nothing stopped, the container runs on
  events_.events.clear();

  make_backend();
  backend_->recover(
      {recovered(running, 1, true), recovered(gone, 1, true), recovered(cut_short, 1, false)});
  EXPECT_TRUE(events_.events.empty());  // nothing from inside recover()
  ASSERT_TRUE(driver_.run_until(
      [&] {
        return events_.settled(running.id) && events_.settled(gone.id) &&
               events_.settled(cut_short.id);
      },
      20s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(running.id));
  EXPECT_EQ(events_.lost(gone.id), SessionError::kContainerLost);
  EXPECT_EQ(events_.start_failed(cut_short.id), SessionError::kStartFailed);
  EXPECT_EQ(backend_->container_of(running.id), container);

  driver_.run_for(1s);  // past the orphan grace: an adopted container is no orphan
  std::optional<SessionFigures> figures = stop_and_wait(running);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_TRUE(session_containers(sockets_[1]).empty());
}

// ringside died (kill -9) during a launch, after the container started: the store says
// `starting`. The new backend adopts the container that runs (running, the same container,
// and a stop works on it) instead of failing the start and removing it.
TEST_F(DockerBackendTest, RecoverAdoptsAStartCutShortWhoseContainerRuns) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  backend_.reset();
  events_.events.clear();

  make_backend();
  backend_->recover({recovered(l, 1, /*was_running=*/false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 20s)) << events_.describe();
  EXPECT_TRUE(events_.has_running(l.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(l.id), container);
  EXPECT_TRUE(container_exists(1, container));

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_FALSE(container_exists(1, container));
}

// The same with an image that has a HEALTHCHECK, still `starting` at the restart: running
// only once healthy, as a start would have been. A start cut short before its container ran
// (created, never started) still fails, and its container is removed.
TEST_F(DockerBackendTest, RecoverWaitsForHealthyAndFailsAStartThatNeverRan) {
  Launch starting, never_ran;
  const std::string health =
      ",\"Healthcheck\":{\"Test\":[\"CMD\",\"test\",\"-f\",\"/save/ready\"],"
      "\"Interval\":200000000,\"Timeout\":1000000000,\"StartPeriod\":60000000000}";
  const std::string container = create_labelled(1, starting.text, /*start_it=*/true, health);
  const std::string created = create_labelled(1, never_ran.text, /*start_it=*/false);

  make_backend();
  backend_->recover({recovered(starting, 1, false), recovered(never_ran, 1, false)});
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(never_ran.id); }, 10s))
      << events_.describe();
  EXPECT_EQ(events_.start_failed(never_ran.id), SessionError::kStartFailed);
  EXPECT_FALSE(container_exists(1, created));

  driver_.run_for(1s);  // health checks keep failing: still starting
  EXPECT_FALSE(events_.settled(starting.id)) << events_.describe();
  put_in_save(1, container, make_tar({{"ready", ""}}));
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(starting.id); }, 10s))
      << events_.describe();
  EXPECT_TRUE(events_.has_running(starting.id)) << events_.describe();
  EXPECT_EQ(backend_->container_of(starting.id), container);
  ASSERT_TRUE(stop_and_wait(starting)) << events_.describe();
  EXPECT_FALSE(container_exists(1, container));
}

TEST_F(DockerBackendTest, AnOrphanContainerWithRingsideLabelsIsRemoved) {
  const std::string orphan_session = id_to_string(IdKind::kSession, 0, random_id128());
  create_labelled(0, orphan_session, /*start_it=*/false);
  ASSERT_EQ(session_containers(sockets_[0]).size(), 1u);

  make_backend();
  driver_.run_for(1500ms);  // the start-up listing finds it; removed after 500 ms
  EXPECT_TRUE(session_containers(sockets_[0]).empty());
}

// A labelled container that appears while ringside runs belongs to no session: its `start`
// event makes it an orphan at once, removed after the grace (500 ms here), not at the next
// 30 s listing. Within a second on an idle machine; the bound leaves room for a loaded one.
TEST_F(DockerBackendTest, AStrangerContainerIsRemovedSoonAfterTheGraceNotAtTheNextListing) {
  const std::string first = create_labelled(0, id_to_string(IdKind::kSession, 0, random_id128()),
                                            /*start_it=*/true);
  make_backend();
  // The start-up listing removes the first one: listed, and the event stream open, by then.
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, first); }, 10s));

  const std::string stranger =
      create_labelled(0, id_to_string(IdKind::kSession, 0, random_id128()), /*start_it=*/true);
  const auto made = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return !container_exists(0, stranger); }, 10s))
      << "the stranger is still on the engine after 10 s";
  EXPECT_LT(measured_ms("stranger_removed_after_ms", made), 5000);  // the grace, never a listing
}

// Someone kills a running session's container on the engine: the session is lost
// (container_lost) from the container's `die` event, and the dead container is removed; not
// at the next 30 s listing. Within a second on an idle machine; the bound leaves room for a
// loaded one.
TEST_F(DockerBackendTest, AContainerKilledFromOutsideIsLostLongBeforeTheNextListing) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  ASSERT_EQ(engine_call(sockets_[0], "POST", "/containers/" + container + "/kill").status, 204);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 5s))
      << "not lost within 5 s of the kill\n"
      << events_.describe();
  EXPECT_LT(measured_ms("lost_after_ms", killed), 5000);
  EXPECT_EQ(events_.lost(l.id), SessionError::kContainerLost);
  EXPECT_FALSE(container_exists(0, container));
  EXPECT_EQ(backend_->session_count(), 0u);
}

// The kernel's OOM killer kills a process in a session's container (a helper over the memory
// limit, not the game): the engine sends `oom`, the game runs on, and so does the session.
TEST_F(DockerBackendTest, AnOomKillThatLeavesTheGameRunningIsNoLoss) {
  make_backend();
  Launch l;
  start(l, 0);  // 64 MB limit
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  Answer exec =
      engine_call(sockets_[0], "POST", "/containers/" + container + "/exec",
                  R"j({"AttachStdout":true,"AttachStderr":true,)j"
                  R"j("Cmd":["sh","-c","x=$(head -c 200000000 /dev/zero | tr '\\0' a)"]})j",
                  "application/json");
  ASSERT_EQ(exec.status, 201) << exec.body;
  const std::string exec_id = exec.body.substr(7, exec.body.find('"', 7) - 7);
  // Attached: answers once the command is over (killed).
  engine_call(sockets_[0], "POST", "/exec/" + exec_id + "/start", R"({"Detach":false})",
              "application/json");
  Answer inspected = engine_call(sockets_[0], "GET", "/exec/" + exec_id + "/json");
  ASSERT_NE(inspected.body.find("\"ExitCode\":137"), std::string::npos) << inspected.body;

  driver_.run_for(1s);  // the `oom` event is in
  EXPECT_FALSE(events_.lost(l.id)) << events_.describe();
  ASSERT_TRUE(stop_and_wait(l)) << events_.describe();
}

// The `die` that ringside's own stop causes is no loss: the stop ends `stopped`, with its
// figures and its save.
TEST_F(DockerBackendTest, TheDieOfItsOwnStopIsNoLoss) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  driver_.run_for(1500ms);  // a tick or two saved
  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_GT(figures->save_bytes, 0u);
  EXPECT_FALSE(events_.lost(l.id));
  EXPECT_EQ(events_.count(RecordedEvent::kStopped, l.id), 1u);
}

// The engine's dockerd dies and comes back between two pings (pings 60 s apart here), so the
// engine is never found down: the event stream breaks, and the running session's container
// is shut down by the new dockerd (no live-restore) before anyone could hear its `die`. The
// stream reconnects, and the listing right after it finds the container exited: lost.
TEST_F(DockerBackendTest, AfterTheStreamReconnectsAListingFindsWhatItMissed) {
  DockerOptions o = options();
  o.ping_interval_ms = 60'000;
  backend_ = std::make_unique<DockerBackend>(engines(), o, driver_.reactor(), events_, metrics_);
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();

  ASSERT_TRUE(restart_dockerd(1));
  const auto back = std::chrono::steady_clock::now();
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 15s))
      << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - back, 10s);  // reconnects back off up to 8 s
  EXPECT_EQ(events_.lost(l.id), SessionError::kContainerLost);
  EXPECT_EQ(events_.server_up(1), std::nullopt);  // never found down
}

TEST_F(DockerBackendTest, AnEngineUnreachableAtRecoveryLosesItsSessionsOnlyAfterTheTimeout) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  backend_.reset();  // as after kill -9 of ringside
  events_.events.clear();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);  // and its engine is gone while it restarts

  make_backend();
  backend_->recover({recovered(l, 1, true)});
  driver_.run_for(500ms);  // half the lost timeout: a failed listing alone loses nothing
  EXPECT_FALSE(events_.settled(l.id)) << events_.describe();
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(l.id); }, 5s)) << events_.describe();
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

TEST_F(DockerBackendTest, AKilledEngineIsReportedDownAndItsSessionsLostAfterTheTimeout) {
  make_backend();
  Launch l, late;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);

  ASSERT_TRUE(driver_.run_until([&] { return events_.server_up(1) == false; }, 10s))
      << events_.describe();
  EXPECT_FALSE(events_.lost(l.id));               // not yet: only after the lost timeout
  EXPECT_EQ(events_.server_up(0), std::nullopt);  // the other engine never changed
  start(late, 1);
  ASSERT_TRUE(driver_.run_until([&] { return events_.settled(late.id); }, 5s));
  EXPECT_EQ(events_.start_failed(late.id), SessionError::kServerLost);
  ASSERT_TRUE(driver_.run_until([&] { return events_.lost(l.id).has_value(); }, 5s))
      << events_.describe();
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_EQ(backend_->session_count(), 0u);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

// The game filled its save directory past the limit: the stop still ends `stopped` with its
// figures, says why the save was not kept (the player sees saveError), counts it for /metrics,
// and leaves the slot's previous save as it was.
TEST_F(DockerBackendTest, ASaveOverTheLimitIsNotKeptAndTheStopSaysWhy) {
  make_backend();
  Launch l;
  std::string error;
  const std::string path = save_file_path(save_root_, l.slot);
  const std::string previous = make_tar({{"save/progress.txt", "tick 41 0\n"}});
  ASSERT_TRUE(write_save(path, previous, &error)) << error;
  start(l, 0, /*fresh=*/false);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  put_in_save(0, container, make_tar({{"world.bin", std::string(kMaxSaveBytes + 1, 'w')}}));

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->save_error, SaveError::kTooLarge);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_GT(figures->cpu_seconds, 0);
  EXPECT_EQ(metrics_.saves_failed[static_cast<size_t>(SaveError::kTooLarge)].get(), 1u);
  EXPECT_EQ(read_save(path, &error), previous);
  EXPECT_EQ(engine_call(sockets_[0], "GET", "/containers/" + container + "/json").status, 404);
}

// A symlink in the save directory (it would point anywhere in the next container): the save is
// refused, the previous one kept.
TEST_F(DockerBackendTest, ASaveHoldingALinkIsRejected) {
  make_backend();
  Launch l;
  start(l, 0);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const std::string container = backend_->container_of(l.id);
  put_in_save(0, container, raw_tar_entry("passwd", '2', 0, "", "/etc/passwd") + raw_tar_end());

  std::optional<SessionFigures> figures = stop_and_wait(l);
  ASSERT_TRUE(figures) << events_.describe();
  EXPECT_EQ(figures->save_error, SaveError::kRejected);
  EXPECT_EQ(figures->save_bytes, 0u);
  EXPECT_EQ(metrics_.saves_failed[static_cast<size_t>(SaveError::kRejected)].get(), 1u);
  std::string error;
  EXPECT_FALSE(read_save(save_file_path(save_root_, l.slot), &error));  // a fresh slot stays empty
}

// The engine's dockerd is killed and the player stops at once, before any ping noticed: the
// stop's first call is refused, and the session ends lost with its engine, in seconds, instead
// of walking stop, save and remove against an engine that is gone.
TEST_F(DockerBackendTest, AStopOnAKilledEngineEndsLostWithinSeconds) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const auto asked = std::chrono::steady_clock::now();
  backend_->stop(l.id);
  ASSERT_TRUE(driver_.run_until([&] { return ended(l); }, 5s)) << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 5s);
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_FALSE(events_.stopped(l.id));
  EXPECT_EQ(backend_->session_count(), 0u);
  // The next test's SetUp rebuilds the environment (docker-env up sees it unhealthy).
}

// A hung engine (dockerd stopped: connections accepted, never answered) would hold every stop
// call until its timeout, minutes in all. Once a ping finds it down, the stop ends lost.
TEST_F(DockerBackendTest, AStopOnAHungEngineEndsLostOnceItIsFoundDown) {
  make_backend();
  Launch l;
  start(l, 1);
  ASSERT_TRUE(wait_running(l)) << events_.describe();
  const pid_t pid = dockerd_pid(1);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  const auto asked = std::chrono::steady_clock::now();
  backend_->stop(l.id);
  const bool done = driver_.run_until([&] { return ended(l); }, 8s);
  kill(pid, SIGKILL);  // the next test's SetUp rebuilds the environment
  ASSERT_TRUE(done) << events_.describe();
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 8s);
  EXPECT_EQ(events_.lost(l.id), SessionError::kServerLost);
  EXPECT_EQ(events_.server_up(1), false);
}

}  // namespace
}  // namespace ringside

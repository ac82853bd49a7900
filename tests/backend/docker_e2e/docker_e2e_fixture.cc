#include "backend/docker_e2e/docker_e2e_fixture.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

namespace ringside::dockere2e {
namespace {

// Debian's client, matching Debian's engine (as tools/docker-env uses it).
constexpr const char* kDockerCli = "/usr/bin/docker";

std::string shell_quoted(const std::string& s) { return "'" + s + "'"; }

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> vars;
  std::ifstream env(path);
  std::string line;
  while (std::getline(env, line)) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return vars;
}

}  // namespace

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

void DockerE2eTest::SetUp() {
  const char* dir = std::getenv("RINGSIDE_DOCKER_ENV");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "RINGSIDE_DOCKER_ENV is not set";
  env_dir_ = dir;
  // Healthy: ~1 s. After a test that killed an engine: rebuilt from scratch.
  const CommandResult up =
      run_command(shell_quoted(RINGSIDE_DOCKER_ENV_TOOL) + " up " + shell_quoted(env_dir_) + " 2");
  ASSERT_EQ(up.exit_code, 0) << "docker-env up failed:\n" << up.output;
  std::map<std::string, std::string> vars = read_env_file(env_dir_ + "/env");
  image_ = vars["GAME_IMAGE"];
  image_2_ = vars["GAME_IMAGE_2"];
  save_dir_ = vars["GAME_SAVE_DIR"];
  docker_hosts_ = vars["DOCKER_HOSTS"];
  std::istringstream hosts(docker_hosts_);
  for (std::string host; std::getline(hosts, host, ',');) sockets_.push_back(host);
  ASSERT_EQ(sockets_.size(), 2u) << docker_hosts_;
  ASSERT_FALSE(image_.empty());

  // Engines without ringside containers and without the game image: every first launch pulls.
  remove_ringside_containers();
  for (size_t e = 0; e < engine_count(); ++e) {
    docker(e, "rmi -f " + shell_quoted(image_) +
                  (image_2_.empty() ? "" : " " + shell_quoted(image_2_)));
  }

  char work[] = "/tmp/ringside-docker-e2e.XXXXXX";
  ASSERT_NE(mkdtemp(work), nullptr);
  work_dir_ = work;
  save_root_ = work_dir_ + "/saves";
  write_catalog(image_);
}

void DockerE2eTest::write_catalog(const std::string& image, double cpu_cores) {
  write_catalog_games({game_json(kGame, image, cpu_cores)});
}

std::string DockerE2eTest::game_json(std::string_view slug, const std::string& image,
                                     double cpu_cores, const std::string& extra_fields) const {
  std::ostringstream game;
  game << "{\"slug\":\"" << slug << "\",\"title\":\"Test Game\",\"image\":\"" << image
       << "\",\"sizeMb\":2,\"cpuCores\":" << cpu_cores << ",\"memoryMb\":64,\"saveDir\":\""
       << save_dir_ << "\"" << (extra_fields.empty() ? "" : ",") << extra_fields << "}";
  return game.str();
}

void DockerE2eTest::write_catalog_games(const std::vector<std::string>& games) {
  std::ofstream catalog(work_dir_ + "/catalog.json");
  catalog << "{\"games\":[";
  for (size_t i = 0; i < games.size(); ++i) catalog << (i ? "," : "") << games[i];
  catalog << "]}\n";
}

std::string DockerE2eTest::write_fleet(uint32_t cpu_millicores, uint32_t slots) const {
  const std::string path = work_dir_ + "/fleet.json";
  std::ofstream fleet(path);
  fleet << "[";
  for (size_t e = 0; e < engine_count(); ++e) {
    fleet << (e ? "," : "") << "{\"name\":\"docker" << e + 1 << "\",\"engine\":\"" << sockets_[e]
          << "\",\"urlBase\":\"http://127.0.0.1\",\"cpuMillicores\":" << cpu_millicores
          << ",\"memoryMb\":2048,\"slots\":" << slots << "}";
  }
  fleet << "]\n";
  return path;
}

std::string DockerE2eTest::image_with_healthcheck(const std::string& check) {
  std::string name = image_;
  name.insert(name.rfind(':'), "-healthcheck");
  const std::string dockerfile = "FROM " + image_ + "\nHEALTHCHECK " + check + "\n";
  // The classic builder: BuildKit is not set up on these engines.
  const CommandResult built =
      run_command("printf '%s' " + shell_quoted(dockerfile) + " | DOCKER_BUILDKIT=0 " + kDockerCli +
                  " -H " + shell_quoted(sockets_[0]) + " build -q -t " + shell_quoted(name) + " -");
  EXPECT_EQ(built.exit_code, 0) << built.output;
  const CommandResult pushed = docker(0, "push " + shell_quoted(name));
  EXPECT_EQ(pushed.exit_code, 0) << pushed.output;
  docker(0, "rmi -f " + shell_quoted(name) + " " + shell_quoted(image_));
  return name;
}

void DockerE2eTest::TearDown() {
  if (HasFailure()) {
    for (size_t i = 0; i < servers_.size(); ++i) {
      std::cerr << "--- ringside's log (process " << i + 1 << "):\n" << servers_[i]->log();
    }
  }
  api_.reset();
  servers_.clear();
  if (!sockets_.empty()) remove_ringside_containers();
  if (!work_dir_.empty()) std::filesystem::remove_all(work_dir_);
}

::testing::AssertionResult DockerE2eTest::start(const std::vector<std::string>& extra_flags) {
  std::vector<std::string> flags = {"--shards",
                                    "2",
                                    "--operator-key",
                                    std::string(itest::kOperatorKey),
                                    "--backend",
                                    "docker",
                                    "--docker-engines",
                                    docker_hosts_,
                                    "--docker-engine-cpu",
                                    "4000",
                                    "--docker-engine-memory-mb",
                                    "2048",
                                    "--docker-engine-slots",
                                    "8",
                                    "--docker-stop-grace",
                                    "3",
                                    "--catalog",
                                    work_dir_ + "/catalog.json",
                                    "--save-root",
                                    save_root_,
                                    "--token-secret-file",
                                    work_dir_ + "/token.secret"};
  flags.insert(flags.end(), extra_flags.begin(), extra_flags.end());
  servers_.push_back(std::make_unique<itest::ServerProcess>());
  ::testing::AssertionResult started = server().start(flags);
  if (!started) return started;
  ::testing::AssertionResult listening = wait_for_log("event=listening", 10000);
  if (!listening) return listening;
  api_ = std::make_unique<itest::ApiClient>(server().port());
  return started;
}

void DockerE2eTest::kill_hard() { server().terminate_and_wait(SIGKILL); }

::testing::AssertionResult DockerE2eTest::wait_for_log(const std::string& text, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (server().log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return ::testing::AssertionFailure() << "no '" << text << "' in ringside's log";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ::testing::AssertionSuccess();
}

CommandResult DockerE2eTest::docker(size_t engine, const std::string& args) const {
  return run_command(std::string(kDockerCli) + " -H " + shell_quoted(sockets_[engine]) + " " +
                     args);
}

std::vector<Container> DockerE2eTest::containers_labelled(size_t engine,
                                                          const std::string& label) const {
  std::vector<Container> out;
  const CommandResult ps =
      docker(engine, "ps -a --no-trunc --filter label=" + label + " --format '{{.ID}} {{.State}}'");
  std::istringstream lines(ps.exit_code == 0 ? ps.output : "");
  for (std::string id, state; lines >> id >> state;) out.push_back({engine, id, state});
  return out;
}

std::vector<Container> DockerE2eTest::ringside_containers(size_t engine) const {
  return containers_labelled(engine, "ringside.session");
}

std::optional<Container> DockerE2eTest::container_of(const std::string& session) const {
  for (size_t e = 0; e < engine_count(); ++e) {
    const CommandResult ps =
        docker(e, "ps -a --no-trunc --filter " + shell_quoted("label=ringside.session=" + session) +
                      " --format '{{.ID}} {{.State}}'");
    std::istringstream lines(ps.exit_code == 0 ? ps.output : "");
    std::string id, state;
    if (lines >> id >> state) return Container{e, id, state};
  }
  return std::nullopt;
}

std::string DockerE2eTest::label(const Container& c, const std::string& name) const {
  return inspect(c, "{{index .Config.Labels \"" + name + "\"}}");
}

std::string DockerE2eTest::inspect(const Container& c, const std::string& format) const {
  CommandResult inspect = docker(c.engine, "inspect --format " + shell_quoted(format) + " " + c.id);
  while (!inspect.output.empty() && inspect.output.back() == '\n') inspect.output.pop_back();
  return inspect.output;
}

int DockerE2eTest::engine_cpus() const {
  const CommandResult info = docker(0, "info --format '{{.NCPU}}'");
  return info.exit_code == 0 ? std::atoi(info.output.c_str()) : 0;
}

std::string DockerE2eTest::saved_progress() const {
  std::vector<std::string> tars;
  if (std::filesystem::exists(save_root_)) {
    for (const auto& entry : std::filesystem::directory_iterator(save_root_)) {
      if (entry.path().extension() == ".tar") tars.push_back(entry.path());
    }
  }
  if (tars.size() != 1) {
    ADD_FAILURE() << tars.size() << " save files under " << save_root_ << ", expected one";
    return {};
  }
  // The save directory's own name is the tar's top entry (docs/docker-backend.md).
  const std::string entry = std::filesystem::path(save_dir_).filename().string() + "/progress.txt";
  CommandResult tar = run_command("tar -xOf " + shell_quoted(tars[0]) + " " + shell_quoted(entry));
  EXPECT_EQ(tar.exit_code, 0) << tar.output;
  return tar.output;
}

int DockerE2eTest::dockerd_pid(size_t engine) const {
  std::ifstream pidfile(env_dir_ + "/d" + std::to_string(engine + 1) + "/dockerd.pid");
  int pid = 0;
  pidfile >> pid;
  return pid;
}

std::vector<Container> DockerE2eTest::warm_containers(size_t engine) const {
  return containers_labelled(engine, "ringside.warm");
}

void DockerE2eTest::remove_ringside_containers() const {
  for (size_t e = 0; e < engine_count(); ++e) {
    for (const Container& c : ringside_containers(e)) docker(e, "rm -f " + c.id);
    for (const Container& c : warm_containers(e)) docker(e, "rm -f " + c.id);
  }
}

}  // namespace ringside::dockere2e

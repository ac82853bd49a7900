#pragma once
// Base of the Docker end-to-end tests: ringside (the built binary) with `--backend docker` on
// the engines of tools/docker-env (RINGSIDE_DOCKER_ENV), driven through its public HTTP API,
// and the engines looked at through Debian's docker CLI. Each test gets a catalog with the
// environment's game image, a save root and a token secret of its own, and engines without
// ringside containers and without the game image.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backend/support/tar_files.h"
#include "integration/api_client.h"
#include "integration/server_process.h"

namespace ringside::dockere2e {

inline constexpr std::string_view kGame = "test-game";

inline std::string game_body() { return "{\"gameSlug\":\"" + std::string(kGame) + "\"}"; }

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command to completion.
CommandResult run_command(const std::string& command);

// A container on one of the engines.
struct Container {
  size_t engine = 0;  // index into engines (0: d1, 1: d2)
  std::string id;
  std::string state;  // "running", "exited", ...
};

class DockerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts ringside on all engines (2 shards, operator key itest::kOperatorKey, this test's
  // catalog, save root and token secret, short stop grace, plus extra flags) and waits until it
  // logs `listening`. The previous process, if any, is kept for its log.
  ::testing::AssertionResult start(const std::vector<std::string>& extra_flags = {});
  // SIGKILL, no goodbye: the containers run on.
  void kill_hard();
  // Waits (up to timeout_ms) until ringside's log holds `text`.
  ::testing::AssertionResult wait_for_log(const std::string& text, int timeout_ms);

  itest::ServerProcess& server() { return *servers_.back(); }
  itest::ApiClient& api() { return *api_; }

  // `docker -H <engine> args` through Debian's CLI.
  CommandResult docker(size_t engine, const std::string& args) const;
  // Every container on an engine with a ringside.session label, running or not.
  std::vector<Container> ringside_containers(size_t engine) const;
  // The container labelled ringside.session=<session> on any engine.
  std::optional<Container> container_of(const std::string& session) const;
  // The label of a container, as the engine has it.
  std::string label(const Container& c, const std::string& name) const;
  // `docker inspect --format FORMAT` of a container, without the trailing newline.
  std::string inspect(const Container& c, const std::string& format) const;
  // The CPUs of this machine, as engine 0 reports them (NCPU of GET /info).
  int engine_cpus() const;
  // A --docker-fleet file naming both engines (docker1, docker2) with `cpu_millicores` and
  // `slots` each; returns its path.
  std::string write_fleet(uint32_t cpu_millicores, uint32_t slots = 8) const;
  // Every container on an engine with a ringside.warm label (warm, or taken by a session).
  std::vector<Container> warm_containers(size_t engine) const;
  // The game's /save/progress.txt in the only save file under the save root ("" if none).
  std::string saved_progress() const;
  // The pid of an engine's dockerd (tools/docker-env's pid file).
  int dockerd_pid(size_t engine) const;

  size_t engine_count() const { return sockets_.size(); }
  const std::string& image() const { return image_; }
  // The game image with a HEALTHCHECK added (`check`: a command line), built on the first
  // engine and pushed to the environment's registry; its name. Removed from the engine.
  std::string image_with_healthcheck(const std::string& check);
  // The test's catalog names `image` for its game, declaring `cpu_cores` of it, from now on
  // (before start()).
  void write_catalog(const std::string& image, double cpu_cores = 0.5);
  // One game of a catalog: `slug` running `image`, with this environment's save directory and
  // `extra_fields` (JSON members, e.g. "\"warmPool\":2") added.
  std::string game_json(std::string_view slug, const std::string& image, double cpu_cores = 0.5,
                        const std::string& extra_fields = {}) const;
  // The test's catalog holds these games (game_json) from now on.
  void write_catalog_games(const std::vector<std::string>& games);
  // The same game image under another tag (tools/docker-env's GAME_IMAGE_2).
  const std::string& image_2() const { return image_2_; }

 private:
  // Every container on an engine with a `label` label, running or not.
  std::vector<Container> containers_labelled(size_t engine, const std::string& label) const;
  void remove_ringside_containers() const;

  std::string env_dir_;
  std::string image_;
  std::string image_2_;
  std::string save_dir_;
  std::string docker_hosts_;
  std::vector<std::string> sockets_;
  std::string work_dir_;
  std::string save_root_;
  std::vector<std::unique_ptr<itest::ServerProcess>> servers_;
  std::unique_ptr<itest::ApiClient> api_;
};

}  // namespace ringside::dockere2e

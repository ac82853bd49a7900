#pragma once
// Base of the durability tests: a scratch database on the run's PostgreSQL cluster, a token
// secret file of the test's own, and ringside processes started (and restarted, killed) on
// them with the simulated backend.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/api_client.h"
#include "integration/server_process.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::durable {

inline constexpr std::string_view kGame = "tlon-uqbar";

inline std::string game_body(std::string_view slug = kGame) {
  return "{\"gameSlug\":\"" + std::string(slug) + "\"}";
}

class DurableTest : public ::testing::Test {
 protected:
  DurableTest();
  ~DurableTest() override;

  // Starts a ringside on the scratch database (2 shards, sim backend with short pulls and
  // starts, operator key itest::kOperatorKey, plus extra flags) and waits until it listens.
  ::testing::AssertionResult start(const std::vector<std::string>& extra_flags = {});
  // SIGTERM and wait: the exit code.
  int stop_gracefully();
  // SIGKILL, no goodbye.
  void kill_hard();

  itest::ServerProcess& server() { return *server_; }
  itest::ApiClient& api() { return *api_; }
  uint16_t port() const { return server_->port(); }
  pgtest::Admin& db() { return *admin_; }
  const std::string& database_url() const { return db_.url(); }
  // The token secret file every start of this test shares (created by the first start).
  std::string secret_file() const { return secret_dir_ + "/token.secret"; }

 private:
  pgtest::ScratchDatabase db_;
  std::unique_ptr<pgtest::Admin> admin_;
  std::string secret_dir_;
  std::unique_ptr<itest::ServerProcess> server_;
  std::unique_ptr<itest::ApiClient> api_;
};

}  // namespace ringside::durable

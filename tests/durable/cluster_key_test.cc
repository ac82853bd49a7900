// Every node of a cluster must hold the same token secret (docs/cluster.md, "One token secret"):
// a node started with another one refuses to start and says which flag to fix, instead of
// running with every forward refused (502) and the other nodes' tokens unknown (401).
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

class ClusterKeyTest : public DurableTest {
 protected:
  ClusterKeyTest() {
    char dir[] = "/tmp/ringside-other-secret.XXXXXX";
    if (mkdtemp(dir) != nullptr) other_dir_ = dir;
  }
  ~ClusterKeyTest() override {
    if (!other_dir_.empty()) std::filesystem::remove_all(other_dir_);
  }

  // A second node's flags on the same database, with the given token secret file.
  std::vector<std::string> node_b_flags(const std::string& secret_file) const {
    return {"--shards",
            "2",
            "--backend",
            "sim",
            "--database-url",
            database_url(),
            "--token-secret-file",
            secret_file,
            "--node-id",
            "node-b"};
  }

  std::string other_dir_;
};

TEST_F(ClusterKeyTest, ANodeWithAnotherTokenSecretIsRefusedAndOneWithTheSameStarts) {
  ASSERT_FALSE(other_dir_.empty());
  ASSERT_TRUE(start({"--node-id", "node-a"}));

  // Another secret: ringside creates a new one in this file.
  const std::string other_secret = other_dir_ + "/token.secret";
  std::vector<std::string> flags = node_b_flags(other_secret);
  flags.insert(flags.begin(), {"--listen", "127.0.0.1:" + std::to_string(itest::pick_free_port())});
  const itest::CompletedRun refused = itest::run_server_binary(flags, 20000);
  EXPECT_EQ(refused.exit_status, 1) << refused.output;
  EXPECT_NE(refused.output.find("--token-secret-file"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(other_secret), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("node-b"), std::string::npos) << refused.output;
  EXPECT_EQ(refused.output.find("event=listening"), std::string::npos) << refused.output;

  // The same secret: it joins.
  itest::ServerProcess b;
  ASSERT_TRUE(b.start(node_b_flags(secret_file())));
  for (int waited_ms = 0; b.log().find("event=listening") == std::string::npos; waited_ms += 5) {
    ASSERT_LT(waited_ms, 10000) << b.log();
    ASSERT_TRUE(b.running()) << b.log();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace
}  // namespace ringside::durable

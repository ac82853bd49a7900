// --node-id and --advertise (cluster mode): what starts, and what is refused with which words.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/config.h"

namespace ringside {
namespace {

// parse_config over these flags; the error, empty when it starts.
std::string parse(std::vector<std::string> args, Config* config) {
  args.insert(args.begin(), "ringside");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  bool help = false;
  return parse_config(static_cast<int>(argv.size()), argv.data(), config, &help);
}

const std::string kDb = "--database-url=postgres://u@127.0.0.1:5432/d";

TEST(ClusterFlags, WithoutNodeIdItIsOneNodeAsBefore) {
  Config c;
  EXPECT_EQ(parse({}, &c), "");
  EXPECT_TRUE(c.node_id.empty());
  EXPECT_TRUE(c.advertise_host.empty());
}

TEST(ClusterFlags, NodeIdTurnsClusterModeOnAndAdvertisesTheListenAddress) {
  Config c;
  EXPECT_EQ(parse({"--node-id", "node-1", "--listen", "10.0.0.5:9000", kDb}, &c), "");
  EXPECT_EQ(c.node_id, "node-1");
  EXPECT_EQ(c.advertise_host, "10.0.0.5");
  EXPECT_EQ(c.advertise_port, 9000);
}

TEST(ClusterFlags, AdvertiseWinsOverTheListenAddress) {
  Config c;
  EXPECT_EQ(parse({"--node-id=a", "--listen=0.0.0.0:8080", "--advertise=[fd00::7]:8081", kDb}, &c),
            "");
  EXPECT_EQ(c.advertise_host, "fd00::7");
  EXPECT_EQ(c.advertise_port, 8081);
}

TEST(ClusterFlags, NodeIdWithoutDatabaseIsAClearStartError) {
  Config c;
  const std::string err = parse({"--node-id", "a"}, &c);
  EXPECT_NE(err.find("--node-id"), std::string::npos) << err;
  EXPECT_NE(err.find("--database-url"), std::string::npos) << err;
}

// Their recovery would remove the other nodes' sessions as orphans (docs/cluster.md).
TEST(ClusterFlags, DockerOrGameyeInAClusterIsRefusedUntilTheyKnowPartitions) {
  for (const char* backend : {"docker", "gameye"}) {
    Config c;
    const std::string err = parse({"--node-id=a", kDb, std::string("--backend=") + backend,
                                   "--gameye-token=t", "--docker-engines=unix:///run/docker.sock"},
                                  &c);
    EXPECT_NE(err.find("--backend sim only"), std::string::npos) << backend << ": " << err;
  }
  Config c;
  EXPECT_EQ(parse({"--node-id=a", kDb, "--backend=sim"}, &c), "");
}

TEST(ClusterFlags, NodeIdOutsideItsAlphabetOrLengthIsRefused) {
  for (const char* bad :
       {"", "Node", "node_1", "node.1", "nöde", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    Config c;
    EXPECT_NE(parse({std::string("--node-id=") + bad, kDb}, &c), "") << bad;
  }
  Config c;
  EXPECT_EQ(parse({"--node-id=abcdefghijklmnopqrstuvwxyz-01234", kDb}, &c), "");  // 32
}

TEST(ClusterFlags, AWildcardListenNeedsAnAdvertisedAddress) {
  Config c;
  const std::string err = parse({"--node-id=a", "--listen=0.0.0.0:8080", kDb}, &c);
  EXPECT_NE(err.find("--advertise"), std::string::npos) << err;
}

TEST(ClusterFlags, AdvertiseIsRefusedMalformedOrWithoutNodeId) {
  for (const char* bad : {"host", "host:", ":80", "host:0", "host:70000"}) {
    Config c;
    EXPECT_NE(parse({"--node-id=a", std::string("--advertise=") + bad, kDb}, &c), "") << bad;
  }
  Config c;
  EXPECT_NE(parse({"--advertise=10.0.0.1:80", kDb}, &c).find("--node-id"), std::string::npos);
  Config d;
  EXPECT_NE(parse({"--node-id=a", "--advertise=" + std::string(64, 'h') + ":80", kDb}, &d), "");
}

}  // namespace
}  // namespace ringside

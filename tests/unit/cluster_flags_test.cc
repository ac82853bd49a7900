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

// Docker and Gameye share their game servers between the nodes (docs/cluster.md): each node
// judges only the containers of the partitions it serves.
TEST(ClusterFlags, DockerAndGameyeRunInACluster) {
  for (const char* backend : {"docker", "gameye", "sim"}) {
    Config c;
    EXPECT_EQ(parse({"--node-id=a", kDb, std::string("--backend=") + backend, "--gameye-token=t",
                     "--docker-engines=unix:///run/docker.sock"},
                    &c),
              "")
        << backend;
    EXPECT_EQ(c.backend, backend);
  }
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

// The other nodes dial the advertised address without resolving names (http/peer_pool.cc):
// a host name there would leave this node's partitions unreachable (503) for good.
TEST(ClusterFlags, AdvertiseMustBeAnIpAddress) {
  Config named;
  std::string err = parse({"--node-id=a", "--advertise=node-a.internal:8080", kDb}, &named);
  EXPECT_NE(err.find("--advertise needs an IP address"), std::string::npos) << err;
  EXPECT_NE(err.find("node-a.internal"), std::string::npos) << err;
  Config wildcard;
  err = parse({"--node-id=a", "--advertise=0.0.0.0:8080", kDb}, &wildcard);
  EXPECT_NE(err.find("--advertise needs an IP address"), std::string::npos) << err;
  Config v4, v6;
  EXPECT_EQ(parse({"--node-id=a", "--advertise=10.1.2.3:8080", kDb}, &v4), "");
  EXPECT_EQ(parse({"--node-id=a", "--advertise=[fd00::7]:8080", kDb}, &v6), "");
}

TEST(ClusterFlags, AListenHostNameIsNotAdvertisedByDefault) {
  Config c;
  const std::string err = parse({"--node-id=a", "--listen=localhost:8080", kDb}, &c);
  EXPECT_NE(err.find("--listen"), std::string::npos) << err;
  EXPECT_NE(err.find("localhost"), std::string::npos) << err;
  EXPECT_NE(err.find("--advertise IP:PORT"), std::string::npos) << err;
  Config given;
  EXPECT_EQ(
      parse({"--node-id=a", "--listen=localhost:8080", "--advertise=127.0.0.1:8080", kDb}, &given),
      "");
  Config v6;
  EXPECT_EQ(parse({"--node-id=a", "--listen=[::1]:8080", kDb}, &v6), "");
  EXPECT_EQ(v6.advertise_host, "::1");
}

// --static-routes is a cluster without a database: with --node-id (the database's ownership
// protocol) or --database-url, two sources would claim the partitions.
TEST(ClusterFlags, StaticRoutesRefuseADatabaseAndANodeId) {
  const std::string routes = "--static-routes=0-511=10.0.0.2:8080";
  Config with_db;
  std::string err = parse({routes, kDb}, &with_db);
  EXPECT_NE(err.find("--static-routes"), std::string::npos) << err;
  EXPECT_NE(err.find("--database-url"), std::string::npos) << err;
  Config with_node;
  err = parse({routes, "--node-id=a", kDb}, &with_node);
  EXPECT_NE(err.find("--static-routes"), std::string::npos) << err;
  EXPECT_NE(err.find("--node-id"), std::string::npos) << err;
  Config alone;
  EXPECT_EQ(parse({routes}, &alone), "");
  ASSERT_EQ(alone.static_routes.size(), 1u);
  EXPECT_EQ(alone.static_routes[0].host, "10.0.0.2");
}

TEST(ClusterFlags, StaticRouteHostsMustBeIpAddresses) {
  Config c;
  EXPECT_NE(parse({"--static-routes=0-511=node-b:8080"}, &c), "");
  Config v6;
  EXPECT_EQ(parse({"--static-routes=0-511=[fd00::2]:8080"}, &v6), "");
}

}  // namespace
}  // namespace ringside

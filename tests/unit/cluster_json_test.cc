// GET /cluster's body, as an operator reads it.
#include "store/cluster/cluster_json.h"

#include <gtest/gtest.h>

#include <string>

namespace ringside {
namespace {

TEST(ClusterJson, NodesWithTheirPartitionsHeartbeatAndWhichIsSelf) {
  ClusterSnapshot snap;
  snap.partitions = 1024;
  snap.nodes.push_back({"node-a", "10.0.0.1:8080", 512, "2026-01-02T03:04:05.678Z", true});
  snap.nodes.push_back({"node-b", "10.0.0.2:8080", 511, "2026-01-02T03:04:05.100Z", false});
  ByteBuffer out;
  JsonWriter json(out);
  write_cluster_json(snap, json);
  EXPECT_EQ(std::string(out.view()),
            R"({"nodes":[{"nodeId":"node-a","advertise":"10.0.0.1:8080","partitions":512,)"
            R"("lastHeartbeat":"2026-01-02T03:04:05.678Z","self":true},)"
            R"({"nodeId":"node-b","advertise":"10.0.0.2:8080","partitions":511,)"
            R"("lastHeartbeat":"2026-01-02T03:04:05.100Z","self":false}],"partitions":1024})");
}

TEST(ClusterJson, NoNodesYet) {
  ClusterSnapshot snap;
  snap.partitions = 1024;
  ByteBuffer out;
  JsonWriter json(out);
  write_cluster_json(snap, json);
  EXPECT_EQ(std::string(out.view()), R"({"nodes":[],"partitions":1024})");
}

}  // namespace
}  // namespace ringside

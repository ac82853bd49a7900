// A shard's routing table (model/node_routes.h): every partition is served here until the I/O
// core says otherwise, and a message that contradicts the table changes nothing.
#include "model/node_routes.h"

#include <gtest/gtest.h>

#include <cstring>

namespace ringside {
namespace {

PeerNode peer(uint16_t slot, const char* id, const char* host, uint16_t port) {
  PeerNode n{};
  n.slot = slot;
  std::strncpy(n.node_id, id, sizeof n.node_id - 1);
  std::strncpy(n.host, host, sizeof n.host - 1);
  n.port = port;
  return n;
}

TEST(NodeRoutes, EveryPartitionIsServedHereWithoutMessages) {
  NodeRoutes routes;
  for (uint16_t p = 0; p < kPartitionCount; ++p) EXPECT_TRUE(routes.served_here(p));
  EXPECT_EQ(routes.node(1), nullptr);
}

TEST(NodeRoutes, RoutesNameTheAnnouncedNode) {
  NodeRoutes routes;
  ASSERT_TRUE(routes.apply(peer(0, "a", "10.0.0.1", 8080)));
  ASSERT_TRUE(routes.apply(peer(2, "c", "10.0.0.3", 8082)));
  ASSERT_TRUE(routes.apply(PartitionRoutes{100, 28, 2}));
  EXPECT_TRUE(routes.served_here(99));
  EXPECT_EQ(routes.node_of(100), 2);
  EXPECT_EQ(routes.node_of(127), 2);
  EXPECT_TRUE(routes.served_here(128));
  ASSERT_NE(routes.node(2), nullptr);
  EXPECT_EQ(routes.node(2)->host, "10.0.0.3");
  EXPECT_EQ(routes.node(2)->port, 8082);
  EXPECT_EQ(routes.node(2)->node_id, "c");
  // Unowned while it changes hands, then back here.
  ASSERT_TRUE(routes.apply(PartitionRoutes{120, 8, kNoOwner}));
  EXPECT_EQ(routes.node_of(120), kNoOwner);
  EXPECT_FALSE(routes.served_here(120));
  ASSERT_TRUE(routes.apply(PartitionRoutes{120, 8, kSelfNode}));
  EXPECT_TRUE(routes.served_here(127));
}

TEST(NodeRoutes, ContradictionsAreRefusedAndChangeNothing) {
  NodeRoutes routes;
  ASSERT_TRUE(routes.apply(peer(1, "b", "10.0.0.2", 8081)));
  EXPECT_TRUE(routes.apply(peer(1, "b", "10.0.0.2", 8081)));   // the same again
  EXPECT_FALSE(routes.apply(peer(1, "b", "10.0.0.9", 8081)));  // slots never move
  EXPECT_EQ(routes.node(1)->host, "10.0.0.2");
  EXPECT_FALSE(routes.apply(peer(kMaxNodeSlots, "x", "10.0.0.2", 1)));
  EXPECT_FALSE(routes.apply(PartitionRoutes{0, 1, 5}));      // never announced
  EXPECT_FALSE(routes.apply(PartitionRoutes{1000, 25, 1}));  // past the last partition
  EXPECT_FALSE(routes.apply(PartitionRoutes{kPartitionCount, 0, 1}));
  for (uint16_t p = 0; p < kPartitionCount; ++p) ASSERT_TRUE(routes.served_here(p));
  EXPECT_TRUE(routes.apply(PartitionRoutes{1000, 24, 1}));
  EXPECT_EQ(routes.node_of(kPartitionCount - 1), 1);
}

}  // namespace
}  // namespace ringside

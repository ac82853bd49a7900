// The loader hands a node's shards one batch per partition: rows split by their player's
// partition, each partition's rows in the order they were read.
#include <gtest/gtest.h>

#include "app/partition_loader.h"
#include "model/partition.h"

namespace ringside {
namespace {

TEST(PartitionSplit, RowsGoToTheirPlayersPartitionInOrder) {
  const std::string a = "alice", b = "bob";
  ASSERT_NE(partition_of_player(a), partition_of_player(b));
  ShardState batch;
  batch.players = {a, b};
  LoadedSession s1, s2, s3;
  s1.player_id = a;
  s1.id = {1, 1};
  s2.player_id = b;
  s2.id = {2, 2};
  s3.player_id = a;
  s3.id = {3, 3};
  batch.sessions = {s1, s2, s3};
  std::vector<std::pair<uint16_t, std::unique_ptr<ShardState>>> out;
  split_by_partition(batch, out);

  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].first, partition_of_player(a));
  EXPECT_EQ(out[0].second->players, std::vector<std::string>{a});
  ASSERT_EQ(out[0].second->sessions.size(), 2u);
  EXPECT_EQ(out[0].second->sessions[0].id, s1.id);
  EXPECT_EQ(out[0].second->sessions[1].id, s3.id);
  EXPECT_EQ(out[1].first, partition_of_player(b));
  ASSERT_EQ(out[1].second->sessions.size(), 1u);
  EXPECT_EQ(out[1].second->sessions[0].id, s2.id);
}

}  // namespace
}  // namespace ringside

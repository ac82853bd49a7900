#include "app/partition_loader.h"

#include <utility>

#include "core/user_data.h"
#include "model/partition.h"

namespace ringside {

PartitionLoader::PartitionLoader(Reactor& reactor, PartitionLoadFn load)
    : load_(std::move(load)), worker_(reactor, kLoadCompletion) {}

void PartitionLoader::load(std::vector<uint16_t> partitions, Done done) {
  auto result = std::make_shared<Result>();
  result->partitions = std::move(partitions);
  worker_.post(
      [result, load = load_] {
        const std::function<void(ShardState&)> take = [&](ShardState& batch) {
          split_by_partition(batch, result->batches);
        };
        result->ok = load(result->partitions, take, &result->error);
      },
      [result, done = std::move(done)] { done(*result); });
}

void split_by_partition(ShardState& batch,
                        std::vector<std::pair<uint16_t, std::unique_ptr<ShardState>>>& out) {
  // One new batch per partition present in this one, its rows in their order.
  std::vector<int32_t> where(kPartitionCount, -1);
  auto into = [&](std::string_view player) -> ShardState& {
    const uint16_t p = partition_of_player(player);
    if (where[p] < 0) {
      where[p] = static_cast<int32_t>(out.size());
      out.emplace_back(p, std::make_unique<ShardState>());
    }
    return *out[static_cast<size_t>(where[p])].second;
  };
  for (std::string& player : batch.players) {
    ShardState& to = into(player);
    to.players.push_back(std::move(player));
  }
  for (LoadedToken& t : batch.tokens) into(t.player_id).tokens.push_back(std::move(t));
  for (LoadedSlot& s : batch.slots) into(s.player_id).slots.push_back(std::move(s));
  for (LoadedSession& s : batch.sessions) into(s.player_id).sessions.push_back(std::move(s));
}

}  // namespace ringside

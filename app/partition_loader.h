#pragma once
// Loads the rows of partitions this node just acquired (cluster mode), off the I/O core's
// thread: reading them is blocking libpq on a connection of its own (state_loader.h), which
// would stall every backend client and the write connection the locks live on. Jobs run one
// at a time on a helper thread, in the order posted; each job's result comes back on the I/O
// core's thread from its loop (an eventfd polled on its ring, kLoadCompletion).
//
// Why the hand-off is safe: the helper touches nothing but the job it was given (the list of
// partitions, the load function and the Result it fills, owned by the job until it is done);
// the result is handed over under the worker's mutex, whose unlock/lock orders every write of
// the helper before every read of the I/O core. This is not the request path: a request for
// a partition still loading is answered 503 + Retry-After by its shard (not served yet).
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backends/file_worker.h"
#include "core/reactor.h"
#include "model/loaded_state.h"

namespace ringside {

// Reads the rows of `partitions` in one snapshot, handing them to `take` a batch at a time
// (stream_partition_state, store/durable/state_loader.h, in production). False and why on
// failure. Runs on the helper thread.
using PartitionLoadFn =
    std::function<bool(std::span<const uint16_t> partitions,
                       const std::function<void(ShardState&)>& take, std::string* error)>;

class PartitionLoader {
 public:
  struct Result {
    std::vector<uint16_t> partitions;  // as asked
    // Each partition's rows, one batch per entry, in the order read (a batch holds one
    // partition's rows only; partition_of_player decides).
    std::vector<std::pair<uint16_t, std::unique_ptr<ShardState>>> batches;
    bool ok = false;
    std::string error;
  };
  using Done = std::function<void(Result& result)>;

  // Construct on the reactor's thread.
  PartitionLoader(Reactor& reactor, PartitionLoadFn load);

  // Loads `partitions` on the helper thread; `done` runs on the reactor's thread.
  void load(std::vector<uint16_t> partitions, Done done);
  size_t pending() const { return worker_.pending(); }

 private:
  PartitionLoadFn load_;
  FileWorker worker_;
};

// Splits one batch of rows by the partition of each row's player into `out` (appended).
void split_by_partition(ShardState& batch,
                        std::vector<std::pair<uint16_t, std::unique_ptr<ShardState>>>& out);

}  // namespace ringside

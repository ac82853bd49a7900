#pragma once
// Where a cluster node reads the partitions it acquires: the shared PostgreSQL, through a
// blocking connection of the loader's own (stream_partition_state, one REPEATABLE READ
// snapshot taken after the locks were granted, so every commit of the previous owner is in it).
#include "app/partition_loader.h"
#include "model/runtime.h"

namespace ringside {

// Runs on the loader's thread; reads only the immutable Runtime.
PartitionLoadFn database_partition_source(const Runtime& runtime);

}  // namespace ringside

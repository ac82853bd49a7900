#pragma once
// Whether a Docker-backed cluster node shares --save-root with the nodes registered before it
// (docs/cluster.md, "The save root is checked"). Until it is decided the node is registered as
// leaving: no partition's target, holding none (PartitionOwnership::Options::admit_later).
//
// Each round's members (read after this node's registration committed) name the peers and
// the nonce each wrote into its row; the peer's marker in THIS node's save root must hold that
// nonce (app/save_root_marker.h). The markers are read on a helper thread (FileWorker): a
// network file system can be slow, and the I/O core's loop never waits on it.
//
// - every peer's marker holds its row's nonce: shared (a node alone has nothing to compare;
//   whichever node registers later checks the earlier one);
// - a peer's marker is missing, unreadable or holds another value, twice for the same row
//   nonce: not shared. Once is not enough: a peer that restarted between our read of its row
//   and of its file has a new marker and its old row until its next heartbeat.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/file_worker.h"
#include "core/reactor.h"
#include "store/cluster/ownership_plan.h"

namespace ringside {

// One peer's marker as read in our save root.
struct SaveRootReading {
  std::string peer;   // its node id
  std::string nonce;  // its row's
  bool found = false;
  std::string read;   // the marker's content, when found
  std::string error;  // why not, when not found
  bool matches() const { return found && read == nonce; }
};

// The decision alone, without files or threads.
class SaveRootPeers {
 public:
  enum class Verdict : uint8_t { kShared, kUndecided, kNotShared };

  SaveRootPeers(std::string self, uint64_t dead_after_ms)
      : self_(std::move(self)), dead_after_ms_(dead_after_ms) {}

  // The peers of this round whose marker is still to be read, as readings to fill in (peer
  // and nonce set). Empty: every peer of the round has been found sharing.
  std::vector<SaveRootReading> to_read(const std::vector<ClusterMember>& members);
  // The readings of the last to_read(); *failed is the reading that decided kNotShared.
  Verdict take(const std::vector<SaveRootReading>& readings, SaveRootReading* failed);

 private:
  struct Seen {
    std::string nonce;  // the row's, as last read
    bool shared = false;
    uint32_t misses = 0;  // readings that did not match this nonce
  };
  Seen& seen(const std::string& peer, const std::string& nonce);
  const std::string self_;
  const uint64_t dead_after_ms_;
  std::unordered_map<std::string, Seen> seen_;
  std::vector<std::string> round_;  // the peers of the last to_read()
};

class SaveRootCheck {
 public:
  using Shared = std::function<void()>;
  // The reading that decided it, and the path that was read.
  using NotShared = std::function<void(const SaveRootReading& reading, const std::string& path)>;

  // Construct on the reactor's thread; registers completion kind kSaveRootCompletion.
  SaveRootCheck(Reactor& reactor, std::string save_root, std::string self, uint64_t dead_after_ms,
                Shared on_shared, NotShared on_not_shared);

  // A round's members (PartitionOwnership's joining_members). Ignored while a reading is under
  // way (the next round brings them again) and once decided.
  void members(const std::vector<ClusterMember>& members);
  const std::string& save_root() const { return save_root_; }

 private:
  void decide(SaveRootPeers::Verdict verdict, const SaveRootReading& failed);

  const std::string save_root_;
  SaveRootPeers peers_;
  Shared on_shared_;
  NotShared on_not_shared_;
  bool reading_ = false;
  bool decided_ = false;
  FileWorker worker_;
};

}  // namespace ringside

#include "app/save_root_check.h"

#include <utility>

#include "app/save_root_marker.h"

namespace ringside {

std::vector<SaveRootReading> SaveRootPeers::to_read(const std::vector<ClusterMember>& members) {
  round_.clear();
  std::vector<SaveRootReading> out;
  for (const ClusterMember& m : members) {
    // A node keeping no marker (another backend, an older version) and one about to be
    // declared dead are not compared.
    if (m.node_id == self_ || m.save_root_nonce.empty() || m.heartbeat_age_ms > dead_after_ms_) {
      continue;
    }
    round_.push_back(m.node_id);
    if (!seen(m.node_id, m.save_root_nonce).shared) {
      out.emplace_back();
      out.back().peer = m.node_id;
      out.back().nonce = m.save_root_nonce;
    }
  }
  return out;
}

// What is known of `peer` under `nonce`: a new nonce (the peer restarted) starts afresh.
SaveRootPeers::Seen& SaveRootPeers::seen(const std::string& peer, const std::string& nonce) {
  Seen& s = seen_[peer];
  if (s.nonce != nonce) {
    s.nonce = nonce;
    s.shared = false;
    s.misses = 0;
  }
  return s;
}

SaveRootPeers::Verdict SaveRootPeers::take(const std::vector<SaveRootReading>& readings,
                                           SaveRootReading* failed) {
  for (const SaveRootReading& r : readings) {
    Seen& peer = seen(r.peer, r.nonce);
    if (r.matches()) {
      peer.shared = true;
    } else if (++peer.misses >= 2) {
      *failed = r;
      return Verdict::kNotShared;
    }
  }
  for (const std::string& peer : round_) {
    if (!seen_[peer].shared) return Verdict::kUndecided;
  }
  return Verdict::kShared;
}

SaveRootCheck::SaveRootCheck(Reactor& reactor, std::string save_root, std::string self,
                             uint64_t dead_after_ms, Shared on_shared, NotShared on_not_shared)
    : save_root_(std::move(save_root)),
      peers_(std::move(self), dead_after_ms),
      on_shared_(std::move(on_shared)),
      on_not_shared_(std::move(on_not_shared)),
      worker_(reactor, kSaveRootCompletion) {}

void SaveRootCheck::members(const std::vector<ClusterMember>& members) {
  if (reading_ || decided_) return;
  auto readings = std::make_shared<std::vector<SaveRootReading>>(peers_.to_read(members));
  if (readings->empty()) {
    decide(SaveRootPeers::Verdict::kShared, {});
    return;
  }
  reading_ = true;
  worker_.post(
      [readings, root = save_root_] {
        for (SaveRootReading& r : *readings) {
          r.found = read_save_root_marker(root, r.peer, &r.read, &r.error);
        }
      },
      [this, readings] {
        reading_ = false;
        SaveRootReading failed;
        decide(peers_.take(*readings, &failed), failed);
      });
}

void SaveRootCheck::decide(SaveRootPeers::Verdict verdict, const SaveRootReading& failed) {
  if (verdict == SaveRootPeers::Verdict::kUndecided) return;
  decided_ = true;
  if (verdict == SaveRootPeers::Verdict::kShared) {
    on_shared_();
  } else {
    on_not_shared_(failed, save_root_marker_path(save_root_, failed.peer));
  }
}

}  // namespace ringside

#pragma once
// The save root marker of a Docker-backed cluster node (docs/cluster.md, "The save root is
// checked"): `<save root>/.ringside-nodes/<node id>`, holding a random value new each start
// (the nonce), which the node also writes into its cluster_nodes row. A node that finds a
// peer's marker in its own save root, with the value of the peer's row, shares that
// directory with it. Blocking file calls: at start, or on a helper thread.
#include <string>
#include <string_view>

namespace ringside {

// A new random nonce (32 hex digits).
std::string new_save_root_nonce();

std::string save_root_marker_path(std::string_view save_root, std::string_view node_id);

// Writes `nonce` as `node_id`'s marker (a temporary file renamed over it; the directories are
// created). False and why.
bool write_save_root_marker(const std::string& save_root, const std::string& node_id,
                            const std::string& nonce, std::string* error);

// What `node_id`'s marker says: true and *nonce, or false and why (the file is missing or
// unreadable).
bool read_save_root_marker(const std::string& save_root, const std::string& node_id,
                           std::string* nonce, std::string* error);

}  // namespace ringside

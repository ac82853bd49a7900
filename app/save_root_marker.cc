#include "app/save_root_marker.h"

#include <cstdio>

#include "backends/docker/save_archive.h"
#include "model/ids.h"

namespace ringside {

std::string new_save_root_nonce() {
  const Id128 bits = random_id128();
  char hex[33];
  snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(bits.hi),
           static_cast<unsigned long long>(bits.lo));
  return hex;
}

std::string save_root_marker_path(std::string_view save_root, std::string_view node_id) {
  std::string path(save_root);
  if (path.empty() || path.back() != '/') path += '/';
  path += ".ringside-nodes/";
  path += node_id;
  return path;
}

// The marker goes through the very functions the saves do (backends/docker/save_archive.h),
// so it lands where, and as, a save would.
bool write_save_root_marker(const std::string& save_root, const std::string& node_id,
                            const std::string& nonce, std::string* error) {
  return write_save(save_root_marker_path(save_root, node_id), nonce, error);
}

bool read_save_root_marker(const std::string& save_root, const std::string& node_id,
                           std::string* nonce, std::string* error) {
  std::optional<std::string> text = read_save(save_root_marker_path(save_root, node_id), error);
  if (!text) return false;
  *nonce = std::move(*text);
  return true;
}

}  // namespace ringside

// The save-archive rebase (backends/docker/save_archive.h) on any bytes, as a game's container
// could send them. Invariants: it never crashes or throws; a rejection carries no tar; what it
// keeps holds only regular files and directories, every path under the new top directory with
// no "..", no more content than the limit, and rebases again to the same entries.
#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "backends/docker/save_archive.h"

namespace {

constexpr size_t kLimit = 1 << 20;  // small, so the size checks are reached by small inputs

// Names of the entries of a tar the rebase produced; aborts on anything it must not hold.
std::vector<std::string> checked_entries(const std::string& tar) {
  std::vector<std::string> names;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, tar.data(), tar.size()) != ARCHIVE_OK) abort();
  archive_entry* e = nullptr;
  int rc;
  uint64_t content = 0;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    const std::string_view name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    const mode_t type = archive_entry_filetype(e);
    if (type != AE_IFREG && type != AE_IFDIR) abort();
    if (archive_entry_hardlink(e) != nullptr || archive_entry_symlink(e) != nullptr) abort();
    if (name != "top" && !name.starts_with("top/")) abort();
    if (name.find("/../") != std::string_view::npos || name.ends_with("/..")) abort();
    if ((archive_entry_perm(e) & ~0777) != 0) abort();
    content += static_cast<uint64_t>(archive_entry_size(e));
    names.emplace_back(name);
  }
  if (rc != ARCHIVE_EOF || content > kLimit) abort();
  archive_read_free(a);
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view tar(reinterpret_cast<const char*>(data), size);
  const ringside::RebasedTar r = ringside::rebase_tar(tar, "top", kLimit);
  if (r.error != ringside::SaveError::kNone) {
    if (!r.tar.empty() || r.detail.empty()) abort();
    return 0;
  }
  if (r.tar.size() > kLimit) abort();
  const std::vector<std::string> names = checked_entries(r.tar);
  const ringside::RebasedTar again = ringside::rebase_tar(r.tar, "top", kLimit);
  if (again.error != ringside::SaveError::kNone || checked_entries(again.tar) != names) abort();
  return 0;
}

#include "backend/support/tar_files.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <sstream>

namespace ringside {

std::string make_tar(const std::map<std::string, std::string>& files) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* o, const void* b, size_t n) -> la_ssize_t {
        static_cast<std::string*>(o)->append(static_cast<const char*>(b), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const auto& [name, data] : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    const bool dir = name.back() == '/';
    archive_entry_set_filetype(e, dir ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e, dir ? 0755 : 0644);
    archive_entry_set_size(e, dir ? 0 : static_cast<la_int64_t>(data.size()));
    archive_write_header(a, e);
    if (!dir) archive_write_data(a, data.data(), data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// name -> contents of the regular files in a tar; directories as name -> "<dir>".
std::map<std::string, std::string> tar_entries(const std::string& tar) {
  std::map<std::string, std::string> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) archive_read_data(a, data.data(), data.size());
    out[archive_entry_pathname(e)] = archive_entry_filetype(e) == AE_IFDIR ? "<dir>" : data;
  }
  archive_read_free(a);
  return out;
}

// The last tick number in a progress.txt.
int last_tick(const std::string& progress) {
  std::istringstream in(progress);
  std::string line, word;
  int tick = -1;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int n;
    if (fields >> word >> n && word == "tick") tick = n;
  }
  return tick;
}

}  // namespace ringside

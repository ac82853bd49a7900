#include "backend/support/tar_files.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
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

std::string raw_tar_entry(std::string_view name, char type, uint64_t declared_size,
                          std::string_view data, std::string_view link, unsigned mode) {
  std::string h(512, '\0');
  std::memcpy(&h[0], name.data(), std::min<size_t>(name.size(), 100));
  if (mode == 0) mode = type == '5' ? 0755u : 0644u;
  std::snprintf(&h[100], 8, "%07o", mode & 07777u);
  std::snprintf(&h[108], 8, "%07o", 0u);
  std::snprintf(&h[116], 8, "%07o", 0u);
  if (declared_size < (uint64_t{1} << 33)) {
    std::snprintf(&h[124], 12, "%011llo", static_cast<unsigned long long>(declared_size));
  } else {  // base-256: a high bit, then the number big-endian
    h[124] = static_cast<char>(0x80);
    for (int i = 0; i < 8; ++i) h[135 - i] = static_cast<char>(declared_size >> (8 * i));
  }
  std::snprintf(&h[136], 12, "%011o", 0u);
  std::memset(&h[148], ' ', 8);
  h[156] = type;
  std::memcpy(&h[157], link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(&h[257],
              "ustar\0"
              "00",
              8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(&h[148], 8, "%06o", sum);
  h[155] = ' ';
  std::string out = h;
  out.append(data);
  out.append((512 - data.size() % 512) % 512, '\0');
  return out;
}

std::map<std::string, unsigned> tar_modes(const std::string& tar) {
  std::map<std::string, unsigned> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, tar.data(), tar.size()), ARCHIVE_OK);
  archive_entry* e;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    out[archive_entry_pathname(e)] = archive_entry_perm(e);
  }
  archive_read_free(a);
  return out;
}

std::string raw_tar_end() { return std::string(1024, '\0'); }

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

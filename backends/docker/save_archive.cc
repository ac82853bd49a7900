#include "backends/docker/save_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace ringside {
namespace {

struct ArchiveReadCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteCloser {
  void operator()(archive* a) const { archive_write_free(a); }
};

la_ssize_t append_to_string(archive*, void* out, const void* buf, size_t len) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

// "save/a/b" with top "game" -> "game/a/b"; "./save/" -> "game/". Empty when nothing is left.
std::string rebase_path(std::string_view path, std::string_view top) {
  while (path.starts_with("./")) path.remove_prefix(2);
  while (path.starts_with('/')) path.remove_prefix(1);
  if (path.empty() || path == ".") return {};
  const size_t slash = path.find('/');
  std::string out(top);
  if (slash != std::string_view::npos) out += path.substr(slash);
  return out;
}

}  // namespace

std::string save_file_path(std::string_view save_root, const Id128& slot) {
  char hex[33];
  snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(slot.hi),
           static_cast<unsigned long long>(slot.lo));
  std::string path(save_root);
  if (path.empty() || path.back() != '/') path += '/';
  path += hex;
  path += ".tar";
  return path;
}

std::string parent_dir(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::optional<std::string> rebase_tar(std::string_view tar, std::string_view top,
                                      std::string* error) {
  std::unique_ptr<archive, ArchiveReadCloser> in(archive_read_new());
  archive_read_support_format_tar(in.get());
  if (archive_read_open_memory(in.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    *error = archive_error_string(in.get()) ? archive_error_string(in.get()) : "not a tar";
    return std::nullopt;
  }
  std::string out;
  std::unique_ptr<archive, ArchiveWriteCloser> w(archive_write_new());
  archive_write_set_format_pax_restricted(w.get());
  archive_write_set_bytes_in_last_block(w.get(), 1);
  if (archive_write_open(w.get(), &out, nullptr, append_to_string, nullptr) != ARCHIVE_OK) {
    *error = "cannot write a tar";
    return std::nullopt;
  }
  std::string data;
  archive_entry* entry = nullptr;
  int rc;
  while ((rc = archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
    const char* name = archive_entry_pathname(entry);
    const std::string path = rebase_path(name ? name : "", top);
    if (path.empty()) continue;
    archive_entry_set_pathname(entry, path.c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      archive_entry_set_hardlink(entry, rebase_path(link, top).c_str());
    }
    data.resize(static_cast<size_t>(std::max<la_int64_t>(archive_entry_size(entry), 0)));
    for (size_t got = 0; got < data.size();) {
      const la_ssize_t n = archive_read_data(in.get(), data.data() + got, data.size() - got);
      if (n <= 0) {
        *error = "truncated tar entry";
        return std::nullopt;
      }
      got += static_cast<size_t>(n);
    }
    if (archive_write_header(w.get(), entry) != ARCHIVE_OK ||
        (!data.empty() && archive_write_data(w.get(), data.data(), data.size()) < 0)) {
      *error = archive_error_string(w.get()) ? archive_error_string(w.get()) : "tar write";
      return std::nullopt;
    }
  }
  if (rc != ARCHIVE_EOF) {
    *error = archive_error_string(in.get()) ? archive_error_string(in.get()) : "bad tar";
    return std::nullopt;
  }
  if (archive_write_close(w.get()) != ARCHIVE_OK) {
    *error = "cannot finish the tar";
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> read_save(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = strerror(errno);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  const int read_errno = errno;
  ::close(fd);
  if (n < 0) {
    *error = strerror(read_errno);
    return std::nullopt;
  }
  return out;
}

bool write_save(const std::string& path, std::string_view data, std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    *error = ec.message();
    return false;
  }
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace ringside

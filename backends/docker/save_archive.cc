#include "backends/docker/save_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

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
// The path is already known to be relative and without "..".
std::string rebase_path(std::string_view path, std::string_view top) {
  while (path.starts_with("./")) path.remove_prefix(2);
  if (path.empty() || path == ".") return {};
  const size_t slash = path.find('/');
  std::string out(top);
  if (slash != std::string_view::npos) out += path.substr(slash);
  return out;
}

// "./save/a" -> "save".
std::string_view top_component(std::string_view path) {
  while (path.starts_with("./")) path.remove_prefix(2);
  return path.substr(0, path.find('/'));
}

// Relative, and no component climbs out: what the engine extracts stays in the save directory.
bool safe_path(std::string_view path) {
  if (path.starts_with('/')) return false;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    if (path.substr(0, slash) == "..") return false;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return true;
}

std::string archive_words(archive* a, std::string_view fallback) {
  const char* words = archive_error_string(a);
  return words != nullptr ? std::string(words) : std::string(fallback);
}

// Reads `tar` entry by entry into a new tar, checking each one; the first problem ends it.
class Rebaser {
 public:
  Rebaser(std::string_view tar, std::string_view top, size_t max_bytes)
      : tar_(tar), top_(top), max_bytes_(max_bytes) {}

  RebasedTar run() {
    copy_all();
    if (result_.error != SaveError::kNone) result_.tar.clear();
    return std::move(result_);
  }

 private:
  bool copy_all() {
    std::unique_ptr<archive, ArchiveReadCloser> in(archive_read_new());
    archive_read_support_format_tar(in.get());
    if (archive_read_open_memory(in.get(), tar_.data(), tar_.size()) != ARCHIVE_OK) {
      return fail(SaveError::kRejected, archive_words(in.get(), "not a tar"));
    }
    std::unique_ptr<archive, ArchiveWriteCloser> out(archive_write_new());
    archive_write_set_format_pax_restricted(out.get());
    archive_write_set_bytes_in_last_block(out.get(), 1);
    if (archive_write_open(out.get(), &result_.tar, nullptr, append_to_string, nullptr) !=
        ARCHIVE_OK) {
      return fail(SaveError::kFailed, "cannot write a tar");
    }
    archive_entry* entry = nullptr;
    int rc;
    while ((rc = archive_read_next_header(in.get(), &entry)) == ARCHIVE_OK) {
      if (!copy_entry(in.get(), out.get(), entry)) return false;
    }
    if (rc != ARCHIVE_EOF) return fail(SaveError::kRejected, archive_words(in.get(), "bad tar"));
    if (archive_write_close(out.get()) != ARCHIVE_OK) {
      return fail(SaveError::kFailed, "cannot finish the tar");
    }
    if (result_.tar.size() > max_bytes_) return fail(SaveError::kTooLarge, "the archive");
    return true;
  }

  bool copy_entry(archive* in, archive* out, archive_entry* entry) {
    const char* name = archive_entry_pathname(entry);
    if (name == nullptr) return fail(SaveError::kRejected, "an entry without a name");
    const mode_t type = archive_entry_filetype(entry);
    const bool dir = type == AE_IFDIR;
    if ((type != AE_IFREG && !dir) || archive_entry_hardlink(entry) != nullptr ||
        archive_entry_symlink(entry) != nullptr) {
      return fail(SaveError::kRejected, std::string("not a file or directory: ") + name);
    }
    if (!safe_path(name)) {
      return fail(SaveError::kRejected, std::string("a path outside the save: ") + name);
    }
    const std::string path = rebase_path(name, top_);
    if (path.empty()) return true;  // "./": the directory itself, made by its children
    // One tree, rooted at the save directory: the engine's archive of a directory. A file in
    // its place, or a second top-level name, would not extract back into a directory.
    const std::string_view first = top_component(name);
    if (top_name_.empty()) top_name_ = first;
    if (first != top_name_ || (path == top_ && !dir)) {
      return fail(SaveError::kRejected, std::string("not one directory tree: ") + name);
    }
    const la_int64_t size = dir ? 0 : archive_entry_size(entry);
    // A size the archive cannot hold is forged (or a sparse file's, blown up on reading).
    if (size < 0 || static_cast<uint64_t>(size) > tar_.size()) {
      return fail(SaveError::kRejected, std::string("an entry larger than the archive: ") + name);
    }
    content_bytes_ += static_cast<uint64_t>(size);
    if (content_bytes_ > max_bytes_) {
      return fail(SaveError::kTooLarge, std::string("contents over the limit at ") + name);
    }
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_perm(entry, archive_entry_perm(entry) & 0777);
    if (archive_write_header(out, entry) != ARCHIVE_OK) {
      return fail(SaveError::kFailed, archive_words(out, "tar write"));
    }
    char buf[65536];
    for (la_int64_t left = size; left > 0;) {
      const la_ssize_t n = archive_read_data(in, buf, sizeof buf);
      if (n <= 0) {
        return fail(SaveError::kRejected,
                    std::string(name) + ": " + archive_words(in, "truncated"));
      }
      if (archive_write_data(out, buf, static_cast<size_t>(n)) != n) {
        return fail(SaveError::kFailed, archive_words(out, "tar write"));
      }
      left -= n;
    }
    return true;
  }

  // Records the first problem; false, for `return fail(...)`.
  bool fail(SaveError error, std::string detail) {
    result_.error = error;
    result_.detail = std::move(detail);
    return false;
  }

  std::string_view tar_, top_;
  size_t max_bytes_;
  uint64_t content_bytes_ = 0;
  std::string top_name_;  // the first entry's top-level name; every entry shares it
  RebasedTar result_;
};

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

RebasedTar rebase_tar(std::string_view tar, std::string_view top, size_t max_bytes) {
  return Rebaser(tar, top, max_bytes).run();
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

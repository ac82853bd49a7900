#include "store/token_secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace ringside {
namespace {

constexpr size_t kHexLength = 2 * sizeof(TokenMinter::Secret);

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool read_secret(int fd, const std::string& path, TokenMinter::Secret* secret, std::string* error) {
  char text[kHexLength + 2];
  const ssize_t n = read(fd, text, sizeof text);
  size_t len = n > 0 ? static_cast<size_t>(n) : 0;
  while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) --len;
  if (len != kHexLength) {
    *error = "token secret file " + path + " must hold 64 lowercase hex digits";
    return false;
  }
  for (size_t i = 0; i < secret->size(); ++i) {
    const int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      *error = "token secret file " + path + " must hold 64 lowercase hex digits";
      return false;
    }
    (*secret)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

}  // namespace

bool load_or_create_secret(const std::string& path, TokenMinter::Secret* secret,
                           std::string* error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    const bool ok = read_secret(fd, path, secret, error);
    close(fd);
    return ok;
  }
  if (errno != ENOENT) {
    *error = "cannot read token secret file " + path + ": " + strerror(errno);
    return false;
  }
  // Written whole to a temporary file, then linked into place: a crash never leaves a partial
  // secret behind, and of two processes starting at once the first link wins and the other
  // reads what it wrote.
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create token secret file " + path + ": " + strerror(errno);
    return false;
  }
  *secret = TokenMinter::random_secret();
  static constexpr char kHex[] = "0123456789abcdef";
  char text[kHexLength + 1];
  for (size_t i = 0; i < secret->size(); ++i) {
    text[2 * i] = kHex[(*secret)[i] >> 4];
    text[2 * i + 1] = kHex[(*secret)[i] & 15];
  }
  text[kHexLength] = '\n';
  const bool written =
      write(fd, text, sizeof text) == static_cast<ssize_t>(sizeof text) && fsync(fd) == 0;
  close(fd);
  const bool linked = written && link(temporary.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  unlink(temporary.c_str());
  if (!linked) {
    if (written && link_errno == EEXIST) return load_or_create_secret(path, secret, error);
    *error = "cannot write token secret file " + path;
    return false;
  }
  // The new name itself must survive a crash too.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  return true;
}

}  // namespace ringside

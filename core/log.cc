#include "core/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <ctime>

namespace ringside {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

constexpr std::string_view kLevelNames[] = {"debug", "info", "warn", "error"};

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool parse_log_level(std::string_view text, LogLevel* out) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (text == kLevelNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void set_log_level(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }

bool log_enabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

LogLine::LogLine(LogLevel level, std::string_view event) : enabled_(log_enabled(level)) {
  if (!enabled_) return;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  tm t{};
  gmtime_r(&tv.tv_sec, &t);
  char ts[40];
  size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &t);
  n += static_cast<size_t>(
      snprintf(ts + n, sizeof ts - n, ".%03dZ", static_cast<int>(tv.tv_usec / 1000)));
  append("ts=");
  append({ts, n});
  append(" level=");
  append(kLevelNames[static_cast<int>(level)]);
  append(" event=");
  append(event);
}

LogLine::~LogLine() {
  if (!enabled_) return;
  if (len_ >= sizeof buf_) len_ = sizeof buf_ - 1;
  buf_[len_++] = '\n';
  ssize_t unused = ::write(STDERR_FILENO, buf_, len_);
  (void)unused;  // nowhere to report a failed log write
}

void LogLine::append(std::string_view s) {
  size_t room = sizeof buf_ - 1 - len_;  // keep one byte for the newline
  size_t n = s.size() < room ? s.size() : room;
  for (size_t i = 0; i < n; ++i) buf_[len_ + i] = s[i];
  len_ += static_cast<uint32_t>(n);
}

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
  if (!enabled_) return *this;
  append(" ");
  append(key);
  append("=");
  if (!needs_quotes(value)) {
    append(value);
    return *this;
  }
  append("\"");
  for (char c : value) {
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', c};
      append({esc, 2});
    } else if (static_cast<unsigned char>(c) < 0x20) {
      append(" ");
    } else {
      append({&c, 1});
    }
  }
  append("\"");
  return *this;
}

LogLine& LogLine::kv(std::string_view key, int64_t value) {
  if (!enabled_) return *this;
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, value);
  return kv(key, std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

LogLine& LogLine::kv(std::string_view key, uint64_t value) {
  if (!enabled_) return *this;
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, value);
  return kv(key, std::string_view(num, static_cast<size_t>(r.ptr - num)));
}

LogLine& LogLine::kv(std::string_view key, double value) {
  if (!enabled_) return *this;
  char num[32];
  int n = snprintf(num, sizeof num, "%.3f", value);
  return kv(key, std::string_view(num, static_cast<size_t>(n)));
}

}  // namespace ringside

#pragma once
// Structured logging: one line per event on stderr, `key=value` pairs, written with a single
// write(2) so lines from different threads never interleave. Secrets never go in: callers
// log ids and hashes, never tokens or keys.
#include <cstdint>
#include <string_view>

namespace ringside {

enum class LogLevel : uint8_t { kDebug, kInfo, kWarn, kError };

bool parse_log_level(std::string_view text, LogLevel* out);
void set_log_level(LogLevel level);
bool log_enabled(LogLevel level);

// Usage: LogLine(LogLevel::kInfo, "listening").kv("addr", addr).kv("shards", n);
// The line is written when the temporary is destroyed.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view event);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& kv(std::string_view key, std::string_view value);
  LogLine& kv(std::string_view key, const char* value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, int64_t value);
  LogLine& kv(std::string_view key, uint64_t value);
  LogLine& kv(std::string_view key, int value) { return kv(key, static_cast<int64_t>(value)); }
  LogLine& kv(std::string_view key, unsigned value) {
    return kv(key, static_cast<uint64_t>(value));
  }
  LogLine& kv(std::string_view key, double value);

 private:
  void append(std::string_view s);
  bool enabled_;
  uint32_t len_ = 0;
  char buf_[1024];
};

inline LogLine log_debug(std::string_view event) { return {LogLevel::kDebug, event}; }
inline LogLine log_info(std::string_view event) { return {LogLevel::kInfo, event}; }
inline LogLine log_warn(std::string_view event) { return {LogLevel::kWarn, event}; }
inline LogLine log_error(std::string_view event) { return {LogLevel::kError, event}; }

}  // namespace ringside

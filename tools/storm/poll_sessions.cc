#include "tools/storm/poll_sessions.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ringside::storm {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits `line` into its blank-separated fields.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    const size_t start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// "" when every byte of `field` is visible ASCII, else what is wrong.
std::string check_visible(std::string_view what, std::string_view field) {
  for (char c : field) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      char why[96];
      std::snprintf(why, sizeof why, "the %.*s has a byte that is not visible ASCII (0x%02x)",
                    static_cast<int>(what.size()), what.data(), u);
      return why;
    }
  }
  return {};
}

}  // namespace

std::string parse_poll_sessions(std::string_view text, std::vector<PollSession>* out) {
  out->clear();
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::vector<std::string_view> fields = fields_of(line);
    if (fields.empty() && line.empty()) continue;
    const std::string where = "line " + std::to_string(number) + ": ";
    if (fields.size() != 2) {
      return where + "expected \"TOKEN SESSION_ID\", found " + std::to_string(fields.size()) +
             (fields.size() == 1 ? " field" : " fields");
    }
    for (std::string why :
         {check_visible("token", fields[0]), check_visible("session id", fields[1])}) {
      if (!why.empty()) return where + why;
    }
    out->push_back({std::string(fields[0]), std::string(fields[1])});
  }
  if (out->empty()) return "no sessions (expected \"TOKEN SESSION_ID\" lines)";
  return {};
}

std::string read_poll_sessions(const std::string& path, std::vector<PollSession>* out) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return path + ": " + std::strerror(errno);
  std::string text;
  char chunk[65536];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) text.append(chunk, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return path + ": read failed";
  std::string why = parse_poll_sessions(text, out);
  if (!why.empty()) return path + ": " + why;
  return {};
}

}  // namespace ringside::storm

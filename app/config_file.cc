#include "app/config_file.h"

namespace ringside {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_control(char c) { return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// What may follow a value: nothing, blanks, or blanks and a comment.
bool only_comment(std::string_view rest) {
  std::string_view t = trim(rest);
  return t.empty() || (t.front() == '#' && (rest.empty() || is_blank(rest.front())));
}

// A value in double quotes; `v` starts after the opening quote.
std::string read_quoted(std::string_view v, std::string* out) {
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      if (!only_comment(v.substr(i + 1))) return "text after the closing quote";
      return {};
    }
    if (c == '\\') {
      if (i + 1 >= v.size()) break;
      const char next = v[++i];
      if (next != '"' && next != '\\')
        return "unknown escape in a quoted value (only \\\" and \\\\)";
      out->push_back(next);
    } else {
      out->push_back(c);
    }
  }
  return "unterminated quote (a quoted value ends on its own line)";
}

// The value in `after`, the rest of the line after `=`, into *out; an error or "".
std::string read_value(std::string_view after, std::string* out) {
  size_t start = 0;
  while (start < after.size() && is_blank(after[start])) ++start;
  if (start < after.size() && after[start] == '"') return read_quoted(after.substr(start + 1), out);
  size_t end = after.size();
  for (size_t i = start; i < after.size(); ++i) {
    if (after[i] == '#' && i > 0 && is_blank(after[i - 1])) {
      end = i;
      break;
    }
  }
  *out = std::string(trim(after.substr(start, end - start)));
  return {};
}

}  // namespace

std::string read_config_text(std::string_view text, std::string_view name,
                             std::vector<ConfigEntry>* entries) {
  int line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const std::string where = std::string(name) + ":" + std::to_string(line_no) + ": ";
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (char c : line) {
      if (is_control(c)) return where + "control character";
    }
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;
    const size_t eq = t.find('=');
    if (eq == std::string_view::npos) return where + "expected `key = value`";
    ConfigEntry entry;
    entry.line = line_no;
    entry.key = std::string(trim(t.substr(0, eq)));
    if (entry.key.empty()) return where + "expected `key = value`";
    if (std::string err = read_value(t.substr(eq + 1), &entry.value); !err.empty()) {
      return where + err;
    }
    entries->push_back(std::move(entry));
  }
  return {};
}

}  // namespace ringside

// The config file reader (app/config_file.h) on arbitrary text: nothing crashes; it accepts
// with entries that have a key and values without control characters, or refuses naming the
// line; and every accepted value, written back double-quoted, reads back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "app/config_file.h"

namespace {

void check(bool ok) {
  if (!ok) abort();
}

bool has_control(std::string_view s) {
  for (char c : s) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7F) return true;
  }
  return false;
}

std::string quoted(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ringside;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<ConfigEntry> entries;
  const std::string err = read_config_text(text, "f", &entries);
  if (!err.empty()) {
    check(err.rfind("f:", 0) == 0);
    return 0;
  }
  std::string again;
  int line = 0;
  for (const ConfigEntry& e : entries) {
    check(e.line > line);
    line = e.line;
    check(!e.key.empty() && e.key.find('=') == std::string::npos && e.key.front() != '#');
    check(e.key.front() != ' ' && e.key.front() != '\t' && e.key.back() != ' ' &&
          e.key.back() != '\t');
    check(!has_control(e.key) && !has_control(e.value));
    again += e.key + " = " + quoted(e.value) + "  # written back\n";
  }
  std::vector<ConfigEntry> reread;
  check(read_config_text(again, "f", &reread).empty());
  check(reread.size() == entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    check(reread[i].key == entries[i].key && reread[i].value == entries[i].value);
  }
  return 0;
}

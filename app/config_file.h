#pragma once
// The config file's syntax (docs/configuration.md): one `key = value` per line, where
//  - blank lines and lines whose first non-blank character is `#` are comments;
//  - an unquoted value runs to the end of the line, less surrounding blanks, and a `#` starts
//    a comment only after a blank: `key = s3cret#tail` is the value `s3cret#tail`;
//  - a value in double quotes holds anything but control characters, with `\"` for a quote
//    and `\\` for a backslash; after the closing quote only blanks or a comment may follow;
//  - control characters (other than tab) are refused anywhere, a NUL included.
// Errors name the line and never repeat a value (it may be a secret).
#include <string>
#include <string_view>
#include <vector>

namespace ringside {

struct ConfigEntry {
  int line = 0;
  std::string key;
  std::string value;
};

// Reads the text of a config file into `entries`, in file order. Returns an empty string, or
// "<name>:<line>: what is wrong".
std::string read_config_text(std::string_view text, std::string_view name,
                             std::vector<ConfigEntry>* entries);

}  // namespace ringside

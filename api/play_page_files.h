#pragma once
// The play page's files (web/play/), embedded at build time by api/embed_play_page.cmake.
#include <span>
#include <string_view>

namespace ringside {

struct PageFile {
  std::string_view name;          // "index.html", "main.js", ...
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // quoted: "\"<16 hex digits of the text's SHA-256>\""
  std::string_view body;          // index.html with its asset URLs under play_page_hash()
};

// 16 hex digits of a SHA-256 over every file: the folder the css and js are served under.
std::string_view play_page_hash();
// index.html first.
std::span<const PageFile> play_page_files();

}  // namespace ringside

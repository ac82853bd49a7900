#pragma once
// The sessions storm's steady status polls cycle through (--poll-sessions FILE): sessions that
// exist before the run, one "TOKEN SESSION_ID" line each, as bench/seed_sessions writes them.
#include <string>
#include <string_view>
#include <vector>

namespace ringside::storm {

struct PollSession {
  std::string token;
  std::string session_id;
};

// Parses the file's text: per line a token and a session id, separated by spaces or tabs, each
// of visible ASCII only (they go into a header and a query); a line ending in "\r\n" is fine,
// empty lines are skipped. Returns "" or "line N: why" for the first bad line; a text with no
// session at all is an error too.
std::string parse_poll_sessions(std::string_view text, std::vector<PollSession>* out);

// Reads `path` and parses it as above. Returns "" or "<path>: why".
std::string read_poll_sessions(const std::string& path, std::vector<PollSession>* out);

}  // namespace ringside::storm

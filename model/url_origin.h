#pragma once
// A URL as it may be logged: its scheme, host and port only. URLs given to ringside (webhook
// receivers) often carry credentials — user:pass@, a token in the path (Slack, Discord), a
// key in the query — and a log line is no place for them.
#include <string>
#include <string_view>

namespace ringside {

// "scheme://host:port" of `url`: no userinfo, path, query or fragment. An http or https URL
// without a port gets its default one (80, 443); another scheme keeps the port only if given.
// Something that does not parse as scheme://host[:port] gives "(unparsed URL)" rather than
// any part of it.
std::string url_origin_for_log(std::string_view url);

}  // namespace ringside

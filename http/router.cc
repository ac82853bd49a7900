#include "http/router.h"

#include <llhttp.h>

#include <algorithm>
#include <stdexcept>

namespace ringside {
namespace {

constexpr size_t method_index(Method m) { return static_cast<size_t>(m); }

[[noreturn]] void reject(std::string_view pattern, const char* why) {
  throw std::invalid_argument("route pattern \"" + std::string(pattern) + "\": " + why);
}

}  // namespace

Method method_from_llhttp(int llhttp_method) {
  switch (llhttp_method) {
    case HTTP_GET:
      return Method::kGet;
    case HTTP_HEAD:
      return Method::kHead;
    case HTTP_POST:
      return Method::kPost;
    case HTTP_PUT:
      return Method::kPut;
    case HTTP_DELETE:
      return Method::kDelete;
    case HTTP_PATCH:
      return Method::kPatch;
    case HTTP_OPTIONS:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

std::string_view method_name(Method method) {
  switch (method) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kDelete:
      return "DELETE";
    case Method::kPatch:
      return "PATCH";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      break;
  }
  return "OTHER";
}

Router::Pattern Router::parse(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') reject(pattern, "must start with '/'");
  Pattern parsed;
  if (pattern == "/") {
    parsed.shape.push_back('/');  // not `= "/"`: GCC 12 -O3 flags that with a false -Wrestrict
    return parsed;
  }
  // "/play/": a folder's own page, matched as written (exact patterns only).
  const bool folder = pattern.back() == '/';
  const std::string_view segments = folder ? pattern.substr(0, pattern.size() - 1) : pattern;
  size_t param_count = 0;
  for (size_t pos = 0; pos < segments.size();) {  // segments[pos] == '/'
    const size_t end = std::min(segments.find('/', pos + 1), segments.size());
    const std::string_view segment = segments.substr(pos + 1, end - pos - 1);
    pos = end;
    if (segment.empty()) reject(pattern, "empty segment");
    parsed.shape += '/';
    const bool braced = segment.front() == '{' && segment.back() == '}';
    const std::string_view inner = braced ? segment.substr(1, segment.size() - 2) : segment;
    if (inner.empty() || inner.find_first_of("{}") != std::string_view::npos) {
      reject(pattern, "malformed \"{name}\" segment");
    }
    if (braced) {
      ++param_count;
      parsed.shape += "{}";
      parsed.segments.push_back({{}, true});
    } else {
      parsed.shape += segment;
      parsed.segments.push_back({std::string(segment), false});
    }
  }
  if (param_count > RouteMatch::kMaxParams) reject(pattern, "too many parameters");
  if (folder) {
    if (param_count > 0) reject(pattern, "a trailing '/' with parameters");
    parsed.shape += '/';
  }
  if (param_count == 0) {
    parsed.segments.clear();  // exact patterns are compared whole
  } else {
    parsed.prefix = parsed.shape.substr(0, parsed.shape.find('{'));
    parsed.first_param =
        static_cast<size_t>(std::count(parsed.prefix.begin(), parsed.prefix.end(), '/') - 1);
  }
  return parsed;
}

void Router::add(Method method, std::string_view pattern, uint16_t route_id) {
  if (method == Method::kOther) reject(pattern, "Method::kOther cannot be routed");
  Pattern parsed = parse(pattern);
  const bool has_params = !parsed.segments.empty();

  std::vector<Pattern>& table = has_params ? with_params_ : exact_;
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const Pattern& p) { return p.shape == parsed.shape; });
  if (it == table.end()) {
    // Keeps with_params_ ordered most specific first; exact_ has no order.
    const auto before = std::find_if(table.begin(), table.end(), [&](const Pattern& p) {
      return has_params && more_specific(parsed, p);
    });
    it = table.insert(before, std::move(parsed));
  }

  Pattern& target = *it;
  const auto bit = static_cast<uint8_t>(1u << method_index(method));
  if ((target.method_mask & bit) != 0) reject(pattern, "method registered twice");
  target.method_mask |= bit;
  target.route_ids[method_index(method)] = route_id;
  if (!target.allow.empty()) target.allow += ", ";
  target.allow += method_name(method);
}

// Only patterns with the same number of segments can match the same path. Between those, at
// the first segment where one has a literal and the other a parameter, the literal wins.
bool Router::more_specific(const Pattern& a, const Pattern& b) {
  if (a.segments.size() != b.segments.size()) return false;
  for (size_t i = 0; i < a.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) return b.segments[i].is_param;
  }
  return false;
}

void Router::resolve(const Pattern& pattern, Method method, RouteMatch& result) {
  const size_t index = method_index(method);
  if (method != Method::kOther && (pattern.method_mask & (1u << index)) != 0) {
    result.kind = RouteMatch::Kind::kFound;
    result.route_id = pattern.route_ids[index];
  } else {
    result.kind = RouteMatch::Kind::kMethodNotAllowed;
    result.allow = pattern.allow;
  }
}

bool Router::match_segments(const Pattern& pattern, std::string_view path, RouteMatch& result) {
  if (!path.starts_with(pattern.prefix)) return false;
  std::array<std::string_view, RouteMatch::kMaxParams> params{};
  uint8_t param_count = 0;
  size_t start = pattern.prefix.size();  // first byte of the current segment
  for (size_t i = pattern.first_param; i < pattern.segments.size(); ++i) {
    if (start > path.size()) return false;  // the path has fewer segments
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    start = end + 1;
    const Segment& segment = pattern.segments[i];
    if (segment.is_param) {
      if (part.empty()) return false;
      params[param_count++] = part;
    } else if (part != segment.literal) {
      return false;
    }
  }
  if (start <= path.size()) return false;  // the path has more segments
  result.params = params;
  result.param_count = param_count;
  return true;
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch result;
  for (const Pattern& pattern : exact_) {
    if (pattern.shape == path) {
      resolve(pattern, method, result);
      return result;
    }
  }
  for (const Pattern& pattern : with_params_) {
    if (match_segments(pattern, path, result)) {
      resolve(pattern, method, result);
      return result;
    }
  }
  return result;
}

}  // namespace ringside

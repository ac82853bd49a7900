#pragma once
// The routing table: maps a method and a request path to a route id, or says why not (404, or
// 405 with the Allow list). Patterns are fixed at startup; match() runs on every request and
// neither allocates nor copies.
//
// Matching rules:
// - A pattern is '/'-separated segments. A literal segment matches itself byte for byte
//   (case-sensitive); a "{name}" segment matches any one non-empty segment. At most two
//   "{name}" segments per pattern.
// - Paths are compared as received: no percent-decoding, no dot-segment or "//" folding, and
//   a trailing slash makes a different path ("/api/games/" is not "/api/games", so 404), as
//   is an empty segment ("/api//games"). Parameters are views into the path, still encoded.
// - A pattern without parameters may end with '/' ("/play/", a folder's own page): it matches
//   that path only.
// - When several patterns match a path the most specific one owns it: a pattern without
//   parameters first, then, comparing segment by segment from the left, a literal beats a
//   parameter. If the owner has no route for the method, the answer is 405 with the owner's
//   Allow list, even when a less specific pattern has that method.
// - Patterns that differ only in parameter names are the same pattern. Its methods share one
//   Allow list ("GET, POST") in registration order.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringside {

enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

// Maps llhttp's `enum llhttp_method` (the parser's `method` field) to Method.
Method method_from_llhttp(int llhttp_method);
// "GET", "HEAD", ...; "OTHER" for kOther.
std::string_view method_name(Method method);

struct RouteMatch {
  static constexpr size_t kMaxParams = 2;
  enum class Kind : uint8_t { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  uint16_t route_id = 0;   // valid when kFound
  std::string_view allow;  // "GET, POST" when kMethodNotAllowed; points into the Router
  std::array<std::string_view, kMaxParams> params{};  // views into the matched path, in order
  uint8_t param_count = 0;
};

class Router {
 public:
  // Registers pattern (e.g. "/api/game/session/{sessionId}") for method. Throws
  // std::invalid_argument for a pattern that does not start with '/', has more than
  // kMaxParams parameters, a malformed or empty parameter name, or an empty segment (a
  // trailing '/' is one where the pattern has parameters), for
  // Method::kOther, and for a method and pattern registered twice.
  void add(Method method, std::string_view pattern, uint16_t route_id);

  // path is the request target without its query string. The views in the result stay valid
  // as long as path and this Router (without further add() calls) do.
  RouteMatch match(Method method, std::string_view path) const;

 private:
  static constexpr size_t kMethodCount = static_cast<size_t>(Method::kOther);

  struct Segment {
    std::string literal;  // empty for a parameter
    bool is_param = false;
  };

  struct Pattern {
    std::string shape;  // the pattern with every parameter written "{}", to spot duplicates
    // Only for patterns with parameters: all segments, and the text before the first
    // parameter ("/api/games/"), checked in one compare before the segment walk.
    std::vector<Segment> segments;
    std::string prefix;
    size_t first_param = 0;  // index into segments
    std::array<uint16_t, kMethodCount> route_ids{};
    uint8_t method_mask = 0;  // bit i set when route_ids[i] is registered
    std::string allow;
  };

  static Pattern parse(std::string_view pattern);
  static void resolve(const Pattern& pattern, Method method, RouteMatch& result);
  static bool match_segments(const Pattern& pattern, std::string_view path, RouteMatch& result);
  static bool more_specific(const Pattern& a, const Pattern& b);

  // Exact patterns are compared as whole strings. Parameter patterns are kept most specific
  // first, so the first one that matches a path owns it.
  std::vector<Pattern> exact_;
  std::vector<Pattern> with_params_;
};

}  // namespace ringside

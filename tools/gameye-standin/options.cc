#include "tools/gameye-standin/options.h"

#include <charconv>
#include <cmath>
#include <string_view>

namespace ringside::gameye_standin {
namespace {

template <typename Int>
bool parse_integer(std::string_view text, Int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool parse_rate(std::string_view text, double* out) {
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *out, std::chars_format::fixed);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size() &&
         std::isfinite(*out) && *out >= 0 && *out <= 1;
}

// "127.0.0.1:8080" or "[::1]:8080".
bool parse_listen(std::string_view text, std::string* host, uint16_t* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty() || !parse_integer(text.substr(colon + 1), port)) return false;
  host->assign(h);
  return true;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace

std::string usage() {
  return R"(usage: gameye-standin --listen HOST:PORT --token TOKEN [flags]

A local stand-in for Gameye's session API (POST /session, GET /session, GET /session/{id},
DELETE /session/{id}) for tests; see tools/gameye-standin/README.md.

  --listen HOST:PORT       address to serve on (required)
  --token TOKEN            the bearer token every API request must carry (required)
  --start-delay-ms MS      POST /session answers this long after it arrived (default 0)
  --failure-rate P         share of accepted launches that fail to start: 420 (default 0)
  --hang-rate P            share of accepted launches never answered; the session still
                           starts (default 0)
  --seed N                 seed of the failure and hang draws (default 1)
  --unavailable-first N    answer the first N launches 503, without taking their id
  --fail-first N           the first N accepted launches fail to start: 420
  --hang-first N           the first N accepted launches are never answered
  --delete-unavailable-first N
                           answer the first N DELETEs 503, stopping nothing
  --list-unavailable-first N
                           answer the first N listings (GET /session) 503
  --list-delay-ms MS       answer listings this long after they arrived, with the sessions
                           as they were on arrival (default 0)
  --label-shape tagged|flat
                           how listings show labels: tagged (default, as Gameye's examples:
                           {"env": "<JSON text>", "tags": "<JSON text of the labels>"}) or
                           flat (the map the launch sent)
  --images A,B,...         images that exist; others get 404 (default: every image)
  --locations A,B,...      locations that exist; others get 404 (default: every location)
  --full-locations A,B,... locations that cannot start a session now: every accepted launch
                           there fails to start, 420 (its id taken)
  --help                   this text
)";
}

std::string parse_options(int argc, char** argv, StandinOptions* options, bool* help) {
  *help = false;
  bool have_listen = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      *help = true;
      return {};
    }
    std::string_view value;
    if (const size_t eq = flag.find('='); eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string(flag) + " needs a value";
    }
    std::string bad = "bad value for " + std::string(flag) + ": " + std::string(value);
    if (flag == "--listen") {
      if (!parse_listen(value, &options->host, &options->port)) return bad;
      have_listen = true;
    } else if (flag == "--token") {
      options->token = value;
    } else if (flag == "--start-delay-ms") {
      if (!parse_integer(value, &options->start_delay_ms)) return bad;
    } else if (flag == "--failure-rate") {
      if (!parse_rate(value, &options->failure_rate)) return bad + " (want 0..1)";
    } else if (flag == "--hang-rate") {
      if (!parse_rate(value, &options->hang_rate)) return bad + " (want 0..1)";
    } else if (flag == "--seed") {
      if (!parse_integer(value, &options->seed)) return bad;
    } else if (flag == "--unavailable-first") {
      if (!parse_integer(value, &options->unavailable_first)) return bad;
    } else if (flag == "--fail-first") {
      if (!parse_integer(value, &options->fail_first)) return bad;
    } else if (flag == "--hang-first") {
      if (!parse_integer(value, &options->hang_first)) return bad;
    } else if (flag == "--delete-unavailable-first") {
      if (!parse_integer(value, &options->delete_unavailable_first)) return bad;
    } else if (flag == "--list-unavailable-first") {
      if (!parse_integer(value, &options->list_unavailable_first)) return bad;
    } else if (flag == "--list-delay-ms") {
      if (!parse_integer(value, &options->list_delay_ms)) return bad;
    } else if (flag == "--label-shape") {
      if (value == "tagged") {
        options->label_shape = LabelShape::kTagged;
      } else if (value == "flat") {
        options->label_shape = LabelShape::kFlat;
      } else {
        return bad + " (want tagged or flat)";
      }
    } else if (flag == "--images") {
      options->images = split_list(value);
    } else if (flag == "--locations") {
      options->locations = split_list(value);
    } else if (flag == "--full-locations") {
      options->full_locations = split_list(value);
    } else {
      return "unknown flag " + std::string(flag) + " (see --help)";
    }
  }
  if (!have_listen) return "--listen is required";
  if (options->token.empty()) return "--token is required";
  return {};
}

}  // namespace ringside::gameye_standin

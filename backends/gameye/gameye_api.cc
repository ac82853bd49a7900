#include "backends/gameye/gameye_api.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "core/byte_buffer.h"
#include "core/json_writer.h"

namespace ringside {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string_view string_at(object o, std::string_view key) {
  std::string_view s;
  return o[key].get(s) == simdjson::SUCCESS ? s : std::string_view();
}

// The first entry of a launch answer's "ports", or of a listing's "port" map ("80/tcp": N).
Endpoint endpoint_of(object o) {
  Endpoint e;
  e.host = std::string(string_at(o, "host"));
  simdjson::dom::array ports;
  object port_map;
  uint64_t port = 0;
  if (o["ports"].get(ports) == simdjson::SUCCESS) {
    for (element p : ports) {
      if (p["host"].get(port) == simdjson::SUCCESS) break;
    }
  } else if (o["port"].get(port_map) == simdjson::SUCCESS) {
    for (auto field : port_map) {
      if (field.value.get(port) == simdjson::SUCCESS) break;
    }
  }
  if (port <= 65535) e.port = static_cast<uint16_t>(port);
  return e;
}

// The ringside.session and ringside.player labels of a listed or described session, in either
// shape Gameye shows labels in: the flat map the launch sent (SessionRun's `labels`), or, as in
// every example of Gameye's own (legacy listing, SessionListEntry and DescribedSession in OpenAPI
// 1.2.1), {"env": "<JSON text>", "tags": "<JSON text of the launch's labels>"}. `tags_parser`
// parses that inner text (the outer document's parser must keep its strings).
void read_labels(object labels, simdjson::dom::parser& tags_parser, ListedSession& s) {
  object user_labels = labels;
  std::string_view tags;
  if (labels[kSessionLabel].error() != simdjson::SUCCESS &&
      labels[kPlayerLabel].error() != simdjson::SUCCESS &&
      (labels["tags"].get(tags) != simdjson::SUCCESS ||
       tags_parser.parse(tags.data(), tags.size()).get(user_labels) != simdjson::SUCCESS)) {
    return;
  }
  s.session_label = std::string(string_at(user_labels, kSessionLabel));
  s.player_label = std::string(string_at(user_labels, kPlayerLabel));
}

std::optional<ListedSession> listed_from(element value, simdjson::dom::parser& tags_parser) {
  object o;
  if (value.get(o) != simdjson::SUCCESS) return std::nullopt;
  ListedSession s;
  s.id = std::string(string_at(o, "id"));
  if (s.id.empty()) return std::nullopt;
  s.status = std::string(string_at(o, "status"));
  s.location = std::string(string_at(o, "location"));
  object labels;
  if (o["labels"].get(labels) == simdjson::SUCCESS) read_labels(labels, tags_parser, s);
  s.endpoint = endpoint_of(o);
  return s;
}

void write_pairs(JsonWriter& w,
                 const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  w.begin_object();
  for (const auto& [k, v] : pairs) w.key(k).value(v);
  w.end_object();
}

}  // namespace

std::string gameye_session_uuid(const Id128& session, uint32_t attempt) {
  uint8_t b[16];
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(session.hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(session.lo >> (56 - 8 * i));
  }
  b[15] ^= static_cast<uint8_t>(attempt);
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);  // variant 10
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return std::string(text, 36);
}

std::pair<std::string_view, std::string_view> split_image_tag(std::string_view image) {
  const size_t colon = image.rfind(':');
  const size_t slash = image.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash)) {
    return {image, {}};
  }
  return {image.substr(0, colon), image.substr(colon + 1)};
}

std::string launch_body(const LaunchFields& f) {
  ByteBuffer out;
  JsonWriter w(out);
  w.begin_object().key("id").value(f.id).key("location").value(f.location);
  w.key("image").value(f.image);
  if (!f.version.empty()) w.key("version").value(f.version);
  w.key("env");
  write_pairs(w, f.env);
  w.key("args").begin_array().end_array();
  w.key("restart").value(false);
  w.key("labels");
  write_pairs(w, f.labels);
  w.end_object();
  return std::string(out.view());
}

LaunchAnswer classify_launch(long status) {
  if (status >= 200 && status < 300) return LaunchAnswer::kStarted;
  switch (status) {
    case 401:
      return LaunchAnswer::kUnauthorized;
    case 404:
      return LaunchAnswer::kNotFound;
    case 409:
      return LaunchAnswer::kIdTaken;
    case 420:
      return LaunchAnswer::kFailed;
    case 422:
      return LaunchAnswer::kRefused;
    case 0:
    case 429:
      return LaunchAnswer::kTransient;
    default:
      return status >= 500 ? LaunchAnswer::kTransient : LaunchAnswer::kRejected;
  }
}

std::optional<Endpoint> parse_launch_answer(std::string_view body) {
  simdjson::dom::parser parser;
  object o;
  if (parser.parse(body.data(), body.size()).get(o) != simdjson::SUCCESS) return std::nullopt;
  Endpoint e = endpoint_of(o);
  if (e.host.empty()) return std::nullopt;
  return e;
}

std::string first_violation(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::array violations;
  if (parser.parse(body.data(), body.size())["violations"].get(violations) != simdjson::SUCCESS) {
    return {};
  }
  for (element v : violations) {
    std::string_view field;
    if (v["field"].get(field) == simdjson::SUCCESS) return std::string(field);
  }
  return {};
}

std::optional<std::vector<ListedSession>> parse_session_list(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::array sessions;
  if (parser.parse(body.data(), body.size())["sessions"].get(sessions) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  std::vector<ListedSession> out;
  simdjson::dom::parser tags_parser;
  for (element s : sessions) {
    std::optional<ListedSession> listed = listed_from(s, tags_parser);
    if (!listed) return std::nullopt;
    out.push_back(std::move(*listed));
  }
  return out;
}

std::optional<ListedSession> parse_described_session(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::parser tags_parser;
  return listed_from(root, tags_parser);
}

bool gameye_status_live(std::string_view status) { return status != "exited" && status != "dead"; }

bool gameye_status_serving(std::string_view status) {
  return gameye_status_live(status) && status != "server_unreachable";
}

std::string fleet_listing_path(std::string_view fleet) {
  std::string path = "/session?all=true&filter%5B";
  auto encode = [&path](std::string_view text) {
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        path.push_back(static_cast<char>(c));
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        path.append(hex);
      }
    }
  };
  encode(kFleetLabel);
  path.append("%5D=");
  encode(fleet);
  return path;
}

uint32_t retry_delay_ms(uint32_t retry, uint32_t base_ms, uint32_t cap_ms, uint64_t random) {
  uint64_t delay = base_ms;
  for (uint32_t i = 1; i < retry && delay < cap_ms; ++i) delay *= 2;
  delay = std::min<uint64_t>(delay, cap_ms);
  const uint64_t half = delay / 2;
  return static_cast<uint32_t>(delay - half + (half == 0 ? 0 : random % (half + 1)));
}

}  // namespace ringside

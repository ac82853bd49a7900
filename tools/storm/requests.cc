#include "tools/storm/requests.h"

#include <cstdio>

namespace ringside::storm {
namespace {

// A JSON string literal. Ids and slugs are plain ASCII in practice; the escaping keeps a
// hand-typed --game or --run-id from breaking the body.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_query_value(std::string& out, std::string_view s) {
  constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                            (u >= '0' && u <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
}

std::string request(std::string_view method, std::string_view target, std::string_view host,
                    std::string_view token, std::string_view body) {
  std::string out;
  out.reserve(160 + target.size() + host.size() + token.size() + body.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nAuthorization: Bearer ").append(token).append("\r\n");
  if (method == "POST") {
    out.append("Content-Type: application/json\r\nContent-Length: ");
    out.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
  } else {
    out.append("\r\n");
  }
  return out;
}

std::string session_body(std::string_view session_id) {
  std::string body = "{\"sessionId\":";
  append_json_string(body, session_id);
  body += '}';
  return body;
}

}  // namespace

std::string operator_launch_request(std::string_view host, std::string_view operator_key,
                                    std::string_view player_id, std::string_view game) {
  std::string body = "{\"playerId\":";
  append_json_string(body, player_id);
  body += ",\"gameSlug\":";
  append_json_string(body, game);
  body += '}';
  return request("POST", "/operator/launch", host, operator_key, body);
}

std::string launch_request(std::string_view host, std::string_view token, std::string_view game) {
  std::string body = "{\"gameSlug\":";
  append_json_string(body, game);
  body += '}';
  return request("POST", "/api/game/launch", host, token, body);
}

std::string status_request(std::string_view host, std::string_view token,
                           std::string_view session_id) {
  std::string target = "/api/game/session-status?sessionId=";
  append_query_value(target, session_id);
  return request("GET", target, host, token, {});
}

std::string keepalive_request(std::string_view host, std::string_view token,
                              std::string_view session_id) {
  return request("POST", "/api/game/keepalive", host, token, session_body(session_id));
}

std::string stop_request(std::string_view host, std::string_view token,
                         std::string_view session_id) {
  return request("POST", "/api/game/stop", host, token, session_body(session_id));
}

}  // namespace ringside::storm

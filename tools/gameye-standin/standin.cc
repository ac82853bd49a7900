#include "tools/gameye-standin/standin.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "core/byte_buffer.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "tools/gameye-standin/query_params.h"

namespace ringside::gameye_standin {
namespace {

constexpr std::string_view kEndpoints[] = {"POST /session", "GET /session", "GET /session/{id}",
                                           "DELETE /session/{id}"};
// Requests that matched no route (404) or not with their method (405).
constexpr std::string_view kOtherEndpoint = "other";
constexpr std::string_view kLaunchPath = "/session";
// Every session exposes one TCP port; Gameye's examples map container port 80.
constexpr uint32_t kContainerPort = 80;

bool known(const std::vector<std::string>& list, std::string_view name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void write_map(JsonWriter& w, const Labels& pairs) {
  w.begin_object();
  for (const auto& [key, value] : pairs) w.key(key).value(std::string_view(value));
  w.end_object();
}

// `pairs` as the JSON text of an object.
std::string json_text(const Labels& pairs) {
  ByteBuffer text;
  JsonWriter w(text);
  write_map(w, pairs);
  return std::string(text.view());
}

// A session's `labels`. Tagged, as in Gameye's own examples: {"env": the container's
// environment as JSON text (the launch's env and the GAMEYE_SESSION_ID and GAMEYE_HOST of the
// examples), "tags": the launch's labels as JSON text}. Flat: the launch's labels as sent.
void write_labels(JsonWriter& w, const Session& s, std::string_view host, LabelShape shape) {
  if (shape == LabelShape::kFlat) {
    write_map(w, s.labels);
    return;
  }
  Labels env = s.env;
  env.emplace_back("GAMEYE_SESSION_ID", s.id);
  env.emplace_back("GAMEYE_HOST", host);
  w.begin_object().key("env").value(json_text(env)).key("tags").value(json_text(s.labels));
  w.end_object();
}

// A session as GET /session lists it (SessionListEntry in Gameye's OpenAPI description).
void write_session_fields(JsonWriter& w, const Session& s, std::string_view host,
                          LabelShape shape) {
  const std::string port_key = std::to_string(kContainerPort) + "/tcp";
  w.key("id")
      .value(std::string_view(s.id))
      .key("image")
      .value(std::string_view(s.image))
      .key("tag")
      .value(std::string_view(s.tag))
      .key("location")
      .value(std::string_view(s.location))
      .key("host")
      .value(host)
      .key("created")
      .value(s.created_ms)
      .key("port")
      .begin_object()
      .key(port_key)
      .value(uint32_t{s.host_port})
      .end_object()
      .key("status")
      .value(gameye_status(s.state))
      .key("labels");
  write_labels(w, s, host, shape);
}

struct ListFilter {
  bool all = false;  // every session, not only running ones
  std::string location;
  std::string image;
  std::string tag;
  Labels labels;  // filter[key]=value: the session carries every one of them

  bool matches(const Session& s) const {
    if (s.state == SessionState::kVanished) return false;  // Gameye lost every trace of it
    if (!all && s.state != SessionState::kRunning) return false;
    if (!location.empty() && s.location != location) return false;
    if (!image.empty() && s.image != image) return false;
    if (!tag.empty() && s.tag != tag) return false;
    return std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
      return std::find(s.labels.begin(), s.labels.end(), wanted) != s.labels.end();
    });
  }
};

std::optional<ListFilter> parse_list_filter(std::string_view query) {
  std::optional<QueryParams> params = decode_query(query);
  if (!params) return std::nullopt;
  ListFilter f;
  constexpr std::string_view kFilterPrefix = "filter[";
  for (auto& [name, value] : *params) {
    if (name == "all") {
      f.all = value == "true";
    } else if (name == "location") {
      f.location = std::move(value);
    } else if (name == "image") {
      f.image = std::move(value);
    } else if (name == "tag") {
      f.tag = std::move(value);
    } else if (name.starts_with(kFilterPrefix) && name.size() > kFilterPrefix.size() + 1 &&
               name.back() == ']') {
      f.labels.emplace_back(
          name.substr(kFilterPrefix.size(), name.size() - kFilterPrefix.size() - 1),
          std::move(value));
    }
  }
  return f;
}

}  // namespace

Standin::Standin(Reactor& reactor, const StandinOptions& options)
    : reactor_(reactor),
      options_(options),
      rng_(options.seed),
      unavailable_left_(options.unavailable_first),
      fail_left_(options.fail_first),
      hang_left_(options.hang_first),
      delete_unavailable_left_(options.delete_unavailable_first),
      list_unavailable_left_(options.list_unavailable_first) {
  router_.add(Method::kPost, "/session", kCreate);
  router_.add(Method::kGet, "/session", kList);
  router_.add(Method::kGet, "/session/{id}", kDescribe);
  router_.add(Method::kDelete, "/session/{id}", kStop);
  router_.add(Method::kGet, "/_standin/stats", kStats);
  router_.add(Method::kPost, "/_standin/session/{id}/{outcome}", kBefall);
  start_timer_.owner = this;
  start_timer_.on_fire = &Standin::on_start_timer;
  list_timer_.owner = this;
  list_timer_.on_fire = &Standin::on_list_timer;
}

bool Standin::handle(const Request& request, ConnRef ref, Reply& reply) {
  const RouteMatch match = router_.match(request.method, request.path);
  if (match.kind != RouteMatch::Kind::kFound) {
    if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
      render_error(reply, kMethodNotAllowed, request.path);
      reply.add_header("Allow", match.allow);
    } else {
      render_error(reply, kUnknownPath, request.path);
    }
    stats_.count(kOtherEndpoint, reply.status());
    return true;
  }
  if (match.route_id == kStats) {  // test-only, needs no token, and is not counted
    render_stats(reply);
    return true;
  }
  if (match.route_id == kBefall) {  // test-only too
    befall(request, match.params[0], match.params[1], reply);
    return true;
  }
  const std::string_view endpoint = kEndpoints[match.route_id];
  if (!authorized(request.authorization)) {
    render_error(reply, kUnauthorized, request.path);
    stats_.count(endpoint, reply.status());
    return true;
  }
  switch (match.route_id) {
    case kCreate:
      if (!create(request, ref, reply)) return false;
      break;
    case kList:
      if (!list(request, ref, reply)) return false;
      break;
    case kDescribe:
      describe(request, match.params[0], reply);
      break;
    default:
      stop(request, match.params[0], reply);
      break;
  }
  stats_.count(endpoint, reply.status());
  return true;
}

bool Standin::create(const Request& request, ConnRef ref, Reply& reply) {
  SessionRequest body;
  const std::vector<Violation> violations = parse_session_request(request.body, &body);
  if (!body.id.empty()) stats_.count_launch_id(body.id);
  if (unavailable_left_ > 0) {
    --unavailable_left_;
    render_error(reply, kUnavailable, request.path);
    return true;
  }
  if (!violations.empty()) {
    render_error(reply, kInvalidRequest, request.path, violations);
    return true;
  }
  if (!known(options_.images, body.image) || !known(options_.locations, body.location)) {
    render_error(reply, kUnknownImageOrLocation, request.path);
    return true;
  }
  if (sessions_.find(body.id)) {
    render_error(reply, kIdTaken, request.path);
    return true;
  }
  // Both draws happen for every accepted launch, so a seed gives the same sequence whatever
  // the rates.
  bool fails = draw(options_.failure_rate);
  bool hangs = draw(options_.hang_rate);
  if (fail_left_ > 0) {
    --fail_left_;
    fails = true;
  }
  if (hang_left_ > 0) {
    --hang_left_;
    hangs = true;
  }
  // Gameye's 420: "can not be started in the provided location currently".
  const std::vector<std::string>& full = options_.full_locations;
  if (std::find(full.begin(), full.end(), body.location) != full.end()) fails = true;
  Session& session = sessions_.add(std::move(body), reactor_.clock().unix_ms);
  log_info("session_launched").kv("id", session.id).kv("hangs", hangs ? "yes" : "no");
  if (hangs) stats_.count_hung(kEndpoints[kCreate]);

  PendingStart pending{reactor_.now_ms() + options_.start_delay_ms, &session, ref, !hangs, fails};
  if (options_.start_delay_ms > 0) {
    pending_.push_back(pending);
    arm_start_timer();
    return false;
  }
  // No delay: the session starts now, and a launch that does not hang is answered at once.
  pending.waiting = false;
  finish_start(pending);
  if (hangs) return false;
  render_launch(reply, session, fails ? &kStartFailed : nullptr);
  return true;
}

void Standin::finish_start(const PendingStart& pending) {
  Session& s = *pending.session;
  if (s.state != SessionState::kStarting) return;  // stopped while it was starting
  s.state = pending.fails ? SessionState::kFailed : SessionState::kRunning;
  log_info(pending.fails ? "session_failed" : "session_running").kv("id", s.id);
  if (pending.waiting) answer_later(pending.ref, s, pending.fails ? &kStartFailed : nullptr);
}

void Standin::on_start_timer(TimerNode* node) {
  Standin& self = *static_cast<StartTimer*>(node)->owner;
  const uint64_t now = self.reactor_.now_ms();
  while (!self.pending_.empty() && self.pending_.front().due_ms <= now) {
    const PendingStart pending = self.pending_.front();
    self.pending_.pop_front();
    self.finish_start(pending);
  }
  self.arm_start_timer();
}

void Standin::arm_start_timer() {
  if (!pending_.empty() && !start_timer_.armed()) {
    reactor_.timers().arm(&start_timer_, pending_.front().due_ms);
  }
}

void Standin::render_launch(Reply& reply, const Session& session, const GameyeError* error) {
  if (error) {
    render_error(reply, *error, kLaunchPath);
    return;
  }
  reply.set_status(200);
  reply.body().clear();
  JsonWriter w(reply.body());
  w.begin_object()
      .key("id")
      .value(std::string_view(session.id))
      .key("host")
      .value(std::string_view(options_.host))
      .key("ports")
      .begin_array()
      .begin_object()
      .key("type")
      .value("tcp")
      .key("container")
      .value(kContainerPort)
      .key("host")
      .value(uint32_t{session.host_port})
      .end_object()
      .end_array()
      .end_object();
}

void Standin::answer_later(ConnRef ref, const Session& session, const GameyeError* error) {
  Reply reply(later_body_);
  render_launch(reply, session, error);
  stats_.count(kEndpoints[kCreate], reply.status());
  http_->complete(ref, reply);
}

bool Standin::list(const Request& request, ConnRef ref, Reply& reply) {
  if (list_unavailable_left_ > 0) {
    --list_unavailable_left_;
    render_error(reply, kListUnavailable, request.path);
    return true;
  }
  std::optional<ListFilter> filter = parse_list_filter(request.query);
  if (!filter) {
    const Violation bad_query{"query", "has a malformed percent escape"};
    render_error(reply, kInvalidRequest, request.path, {&bad_query, 1});
    return true;
  }
  JsonWriter w(reply.body());
  w.begin_object().key("sessions").begin_array();
  for (const Session& s : sessions_.all()) {
    if (!filter->matches(s)) continue;
    w.begin_object();
    write_session_fields(w, s, options_.host, options_.label_shape);
    w.end_object();
  }
  w.end_array().end_object();
  if (options_.list_delay_ms == 0) return true;
  // What Gameye saw on arrival, told late: sessions launched meanwhile are not in it.
  pending_lists_.push_back(
      {reactor_.now_ms() + options_.list_delay_ms, ref, std::string(reply.body_view())});
  stats_.count_delayed(kEndpoints[kList]);
  if (!list_timer_.armed()) reactor_.timers().arm(&list_timer_, pending_lists_.front().due_ms);
  return false;
}

void Standin::on_list_timer(TimerNode* node) {
  Standin& self = *static_cast<StartTimer*>(node)->owner;
  const uint64_t now = self.reactor_.now_ms();
  while (!self.pending_lists_.empty() && self.pending_lists_.front().due_ms <= now) {
    const PendingList pending = std::move(self.pending_lists_.front());
    self.pending_lists_.pop_front();
    Reply reply(self.later_body_);
    reply.body().append(pending.body);
    self.stats_.count(kEndpoints[kList], reply.status());
    self.http_->complete(pending.ref, reply);
  }
  if (!self.pending_lists_.empty()) {
    self.reactor_.timers().arm(&self.list_timer_, self.pending_lists_.front().due_ms);
  }
}

void Standin::describe(const Request& request, std::string_view id, Reply& reply) {
  const Session* s = sessions_.find(id);
  if (!s || s->state == SessionState::kVanished) {
    render_error(reply, kUnknownSession, request.path);
    return;
  }
  JsonWriter w(reply.body());
  w.begin_object();
  write_session_fields(w, *s, options_.host, options_.label_shape);
  w.key("players").begin_object().key("joined").begin_array().end_array();
  w.key("joinedCount").value(0).end_object();
  w.end_object();
}

void Standin::stop(const Request& request, std::string_view id, Reply& reply) {
  if (delete_unavailable_left_ > 0) {
    --delete_unavailable_left_;
    render_error(reply, kDeleteUnavailable, request.path);
    return;
  }
  Session* s = sessions_.find(id);
  if (!s || s->state == SessionState::kVanished) {
    render_error(reply, kUnknownSession, request.path);
    return;
  }
  if (!s->live()) {
    render_error(reply, kAlreadyTerminated, request.path);
    return;
  }
  if (s->state == SessionState::kStarting) {
    // The launch still waiting for its answer learns that its session never started.
    for (PendingStart& pending : pending_) {
      if (pending.session != s || !pending.waiting) continue;
      pending.waiting = false;
      answer_later(pending.ref, *s, &kStoppedWhileStarting);
    }
  }
  s->state = SessionState::kStopped;
  log_info("session_stopped").kv("id", s->id);
  reply.set_status(204);
}

void Standin::befall(const Request& request, std::string_view id, std::string_view outcome,
                     Reply& reply) {
  Session* s = sessions_.find(id);
  // "running": an unreachable session's machine is back.
  const SessionState from =
      outcome == "running" ? SessionState::kUnreachable : SessionState::kRunning;
  if (!s || s->state != from) {
    render_error(reply, s ? kAlreadyTerminated : kUnknownSession, request.path);
    return;
  }
  if (outcome == "running") {
    s->state = SessionState::kRunning;
  } else if (outcome == "exited") {
    s->state = SessionState::kStopped;
  } else if (outcome == "dead") {
    s->state = SessionState::kFailed;
  } else if (outcome == "server_unreachable") {
    s->state = SessionState::kUnreachable;
  } else if (outcome == "vanished") {
    s->state = SessionState::kVanished;
  } else {
    const Violation bad{"outcome", "is not exited, dead, server_unreachable, vanished or running"};
    render_error(reply, kInvalidRequest, request.path, {&bad, 1});
    return;
  }
  log_info("session_befell").kv("id", s->id).kv("outcome", outcome);
  reply.set_status(204);
}

void Standin::render_stats(Reply& reply) {
  const SessionCounts c = sessions_.counts();
  JsonWriter w(reply.body());
  w.begin_object().key("requests");
  stats_.render(w);
  w.key("sessions")
      .begin_object()
      .key("live")
      .value(c.starting + c.running + c.unreachable)
      .key("starting")
      .value(c.starting)
      .key("running")
      .value(c.running)
      .key("stopped")
      .value(c.stopped)
      .key("failed")
      .value(c.failed)
      .key("unreachable")
      .value(c.unreachable)
      .key("vanished")
      .value(c.vanished)
      .end_object()
      .key("launchesById");
  stats_.render_launch_ids(w);
  w.end_object();
}

void Standin::render_error(Reply& reply, const GameyeError& error, std::string_view path,
                           std::span<const Violation> violations) {
  gameye_standin::render_error(reply, error, path, reactor_.unix_now(), next_trace_++, violations);
}

bool Standin::authorized(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  return authorization.size() > kScheme.size() &&
         iequals(authorization.substr(0, kScheme.size()), kScheme) &&
         authorization.substr(kScheme.size()) == options_.token;
}

bool Standin::draw(double rate) {
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  return u < rate;
}

}  // namespace ringside::gameye_standin

#include "api/operator_render.h"

#include "core/clock_format.h"
#include "model/session_types.h"

namespace ringside {
namespace {

void entry(JsonWriter& w, int64_t at_ms, SessionStatus status, const StartPhase* phase) {
  w.begin_object().key("at");
  render_ms_time(w, at_ms);
  w.key("status").value(status_name(status));
  if (phase) w.key("phase").value(phase_name(*phase));
  w.end_object();
}

}  // namespace

void render_ms_time(JsonWriter& w, int64_t unix_ms) {
  int64_t secs = unix_ms / 1000;
  int64_t ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  char text[kRfc3339Length + 4];
  format_rfc3339(secs, text);
  // "...:SSZ" -> "...:SS.mmmZ"
  text[kRfc3339Length - 1] = '.';
  text[kRfc3339Length] = static_cast<char>('0' + ms / 100);
  text[kRfc3339Length + 1] = static_cast<char>('0' + ms / 10 % 10);
  text[kRfc3339Length + 2] = static_cast<char>('0' + ms % 10);
  text[kRfc3339Length + 3] = 'Z';
  w.value(std::string_view(text, sizeof text));
}

void render_operator_fields(JsonWriter& w, const GameSession& s, std::string_view player_id,
                            const SessionRenderContext& ctx, ByteBuffer& url_scratch,
                            int64_t idle_deadline_ms, int64_t now_unix_ms) {
  render_details_fields(w, s, ctx, url_scratch, idle_deadline_ms, now_unix_ms);
  w.key("playerId").value(player_id).key("server");
  if (s.placed && s.server < ctx.servers.size()) {
    w.value(ctx.servers[s.server].name);
  } else {
    w.null();
  }
}

void render_start_kind(JsonWriter& w, const GameSession& s) {
  w.key("startKind");
  if (s.start_kind == StartKind::kUnknown) {
    w.null();
  } else {
    w.value(start_kind_name(s.start_kind));
  }
}

void render_timeline(JsonWriter& w, const GameSession& s) {
  static constexpr StartPhase kQueued = StartPhase::kQueued;
  static constexpr StartPhase kPulling = StartPhase::kPulling;
  static constexpr StartPhase kCreating = StartPhase::kCreating;
  w.key("timeline").begin_array();
  entry(w, s.started_ms, SessionStatus::kStarting, &kQueued);
  if (s.pulling_after_ms) {
    entry(w, s.started_ms + s.pulling_after_ms, SessionStatus::kStarting, &kPulling);
  }
  if (s.creating_after_ms) {
    entry(w, s.started_ms + s.creating_after_ms, SessionStatus::kStarting, &kCreating);
  }
  if (s.running_ms) entry(w, s.running_ms, SessionStatus::kRunning, nullptr);
  if (s.stopping_after_ms) {
    entry(w, s.started_ms + s.stopping_after_ms, SessionStatus::kStopping, nullptr);
  }
  if (!s.active()) entry(w, s.ended_ms, s.status, nullptr);
  w.end_array();
}

}  // namespace ringside

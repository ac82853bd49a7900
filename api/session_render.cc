#include "api/session_render.h"

#include <string_view>

#include "model/ids.h"
#include "model/queue_estimate.h"
#include "model/session_types.h"

namespace ringside {

void render_session_id(JsonWriter& w, const GameSession& s) {
  char id[kIdTextLength];
  format_id(IdKind::kSession, s.owner, s.id, id);
  w.value(std::string_view(id, kIdTextLength));
}

namespace {

// Loads of the published figures and arithmetic: no scan of the queue (model/queue_estimate.h).
void render_queue_fields(JsonWriter& w, const GameSession& s, const SessionRenderContext& ctx) {
  const PlacementMetrics& q = ctx.queue;
  const uint64_t length = q.launches_queued.get();
  // Its ticket not known yet (its PlaceSession or the answer is on the way): it joins the back.
  const uint64_t position =
      s.queue_ticket == kNoTicket
          ? length + 1
          : queue_position(s.queue_ticket, static_cast<uint32_t>(q.queue_head_ticket.get()),
                           length);
  QueueFigures figures;
  figures.gap_ms = q.queue_gap_ms.get();
  const uint64_t last = q.queue_last_departure_ms.get();
  if (figures.gap_ms != 0 && ctx.clock.mono_ms > last) {
    figures.since_departure_ms = ctx.clock.mono_ms - last;
  }
  figures.start_ms = q.start_ms.get();
  figures.slots = q.queue_slots.get();
  w.key("queuePosition").value(position);
  w.key("estimatedStartSeconds").value(estimated_start_seconds(position, figures));
}

}  // namespace

void render_status_fields(JsonWriter& w, const GameSession& s, const SessionRenderContext& ctx,
                          ByteBuffer& url_scratch) {
  char id[kIdTextLength];
  format_id(IdKind::kSession, s.owner, s.id, id);
  const std::string_view id_text(id, kIdTextLength);
  w.key("sessionId").value(id_text);
  w.key("status").value(status_name(s.status));
  if (s.status == SessionStatus::kRunning) {
    const std::string* own = nullptr;
    if (!ctx.session_urls.empty()) {
      if (auto it = ctx.session_urls.find(s.id); it != ctx.session_urls.end()) own = &it->second;
    }
    const std::string& base = own ? *own : ctx.servers[s.server].url_base;
    w.key("serverUrl").value(base);
    // containerUrl = serverUrl + "/session/" + id + "/": rendered per answer, never stored.
    url_scratch.clear();
    url_scratch.append(base);
    url_scratch.append("/session/");
    url_scratch.append(id_text);
    url_scratch.push_back('/');
    w.key("containerUrl").value(url_scratch.view());
  } else {
    w.key("serverUrl").null().key("containerUrl").null();
  }
  w.key("gameTitle").value(ctx.catalog.games()[s.game].title);
  w.key("startedAt").timestamp(s.started_ms / 1000);
  if (const int64_t ends_at = s.ends_at_ms(); ends_at != 0)
    w.key("endsAt").timestamp(ends_at / 1000);
  if (s.status == SessionStatus::kStarting) {
    w.key("phase").value(phase_name(s.phase));
    if (s.phase == StartPhase::kQueued) render_queue_fields(w, s, ctx);
  }
  if (s.status == SessionStatus::kError) {
    w.key("error").begin_object().key("code").value(error_code(s.error));
    w.key("message").value(error_message(s.error)).end_object();
  }
  render_save_error(w, s);
}

void render_details_fields(JsonWriter& w, const GameSession& s, const SessionRenderContext& ctx,
                           ByteBuffer& url_scratch, int64_t idle_deadline_ms, int64_t now_unix_ms) {
  render_status_fields(w, s, ctx, url_scratch);
  w.key("gameSlug").value(ctx.catalog.games()[s.game].slug);
  w.key("saveSlotId").value(id_to_string(IdKind::kSaveSlot, s.slot_owner, s.slot));
  w.key("lastKeepaliveAt").timestamp(s.last_keepalive_ms / 1000);
  if (s.active()) {
    w.key("expiresAt").timestamp(idle_deadline_ms / 1000);
    w.key("endedAt").null().key("duration").value(s.duration_ms(now_unix_ms) / 1000);
    w.key("cpuSeconds").null().key("peakMemoryMb").null().key("endReason").null();
  } else {
    w.key("endedAt").timestamp(s.ended_ms / 1000);
    w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
    w.key("cpuSeconds").value(s.cpu_seconds).key("peakMemoryMb").value(s.peak_memory_mb);
    w.key("endReason").value(end_reason_name(s.end_reason));
  }
}

void render_session_entry(JsonWriter& w, const GameSession& s, const Catalog& catalog) {
  w.begin_object().key("sessionId");
  render_session_id(w, s);
  const Game& g = catalog.games()[s.game];
  w.key("gameSlug").value(g.slug).key("gameTitle").value(g.title);
  w.key("status").value(status_name(s.status));
  w.key("startedAt").timestamp(s.started_ms / 1000).end_object();
}

void render_history_entry(JsonWriter& w, const GameSession& s, const Catalog& catalog) {
  w.begin_object().key("sessionId");
  render_session_id(w, s);
  w.key("gameSlug").value(catalog.games()[s.game].slug);
  w.key("startedAt").timestamp(s.started_ms / 1000);
  w.key("endedAt").timestamp(s.ended_ms / 1000);
  w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
  w.key("cpuSeconds").value(s.cpu_seconds);
  w.key("peakMemoryMb").value(s.peak_memory_mb);
  w.key("endReason").value(end_reason_name(s.end_reason));
  w.end_object();
}

void render_stop_result(const GameSession& s, ByteBuffer& out) {
  JsonWriter w(out);
  w.begin_object().key("status").value(status_name(s.status));
  w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
  w.key("cpuSeconds").value(s.cpu_seconds).key("peakMemoryMb").value(s.peak_memory_mb);
  render_save_error(w, s);
  w.end_object();
}

// A stop that could not keep the save data still ends `stopped`, with its figures; this says
// what happened to the save (the slot keeps the previous one).
void render_save_error(JsonWriter& w, const GameSession& s) {
  if (s.save_error == SaveError::kNone) return;
  w.key("saveError").begin_object().key("code").value(save_error_code(s.save_error));
  w.key("message").value(save_error_message(s.save_error)).end_object();
}

void render_game(JsonWriter& w, const Game& g) {
  w.begin_object().key("slug").value(g.slug).key("title").value(g.title);
  w.key("image").value(g.image).key("sizeMb").value(g.size_mb).end_object();
}

void render_save_slot(JsonWriter& w, const SaveSlot& slot, const Catalog& catalog) {
  w.begin_object().key("id").value(id_to_string(IdKind::kSaveSlot, slot.owner, slot.id));
  w.key("gameSlug").value(catalog.games()[slot.game].slug);
  w.key("createdAt").timestamp(slot.created_ms / 1000);
  w.key("updatedAt").timestamp(slot.updated_ms / 1000);
  w.key("sizeBytes").value(slot.size_bytes).end_object();
}

}  // namespace ringside

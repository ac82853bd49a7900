#include "api/webhook_event_body.h"

#include "core/byte_buffer.h"
#include "core/json_writer.h"
#include "model/ids.h"
#include "model/session_types.h"

namespace ringside {

WebhookEvent make_webhook_event(const GameSession& s, std::string_view player_id,
                                const Catalog& catalog, int64_t occurred_unix_ms) {
  WebhookEvent e;
  e.session = id_to_string(IdKind::kSession, s.owner, s.id);
  const std::string_view kind = status_name(s.status);
  e.id = e.session + "." + std::string(kind);
  e.made_unix_ms = occurred_unix_ms;
  ByteBuffer body;
  JsonWriter w(body);
  w.begin_object().key("id").value(e.id);
  w.key("type").value("session." + std::string(kind));
  w.key("occurredAt").timestamp(occurred_unix_ms / 1000);
  w.key("session").begin_object();
  w.key("sessionId").value(e.session).key("playerId").value(player_id);
  w.key("gameSlug").value(catalog.games()[s.game].slug).key("status").value(kind);
  if (!s.active()) {
    w.key("endReason").value(end_reason_name(s.end_reason));
    w.key("duration").value(s.duration_ms(s.ended_ms) / 1000);
    w.key("cpuSeconds").value(s.cpu_seconds).key("peakMemoryMb").value(s.peak_memory_mb);
  }
  if (s.status == SessionStatus::kError) {
    w.key("error").begin_object().key("code").value(error_code(s.error));
    w.key("message").value(error_message(s.error)).end_object();
  }
  w.end_object().end_object();
  e.body.assign(body.view());
  return e;
}

}  // namespace ringside

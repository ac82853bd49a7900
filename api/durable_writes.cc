#include "api/durable_writes.h"

#include <algorithm>
#include <charconv>

#include "model/loaded_state.h"
#include "model/messages.h"

namespace ringside {
namespace {

void append_int(std::string& out, int64_t v) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, v);
  out.append(num, static_cast<size_t>(r.ptr - num));
}

void append_hex(std::string& out, const Id128& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint8_t b : id128_bytes(id)) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
}

}  // namespace

DurableWrites::DurableWrites(Mailbox& mailbox, uint32_t io_thread, const Catalog& catalog,
                             const std::vector<GameServerInfo>& servers)
    : mailbox_(mailbox), io_thread_(io_thread), catalog_(catalog), servers_(servers) {}

uint64_t DurableWrites::send() {
  mailbox_.send(io_thread_, StoreWrite{intent_.bytes()});
  return next_seq_++;
}

uint64_t DurableWrites::token(const Player& player, const TokenRecord& t, int64_t ttl_ms,
                              WriteClass cls) {
  intent_.begin(next_seq_, cls);
  intent_.statement(kStmtUpsertPlayer).text(player.id).integer(player.partition);
  const auto seed = id128_bytes(t.seed);
  intent_.statement(kStmtUpsertToken).bytea(seed.data(), seed.size()).text(player.id);
  intent_.integer(player.partition);
  if (t.game == kAnyGame) {
    intent_.null();
  } else {
    intent_.text(catalog_.games()[t.game].slug);
  }
  intent_.integer(t.generation).bytea(t.current.bytes.data(), t.current.bytes.size());
  if (t.has_previous) {
    intent_.bytea(t.previous.bytes.data(), t.previous.bytes.size());
    intent_.integer(t.previous_dead_after_ms);
  } else {
    intent_.null().null();
  }
  intent_.integer(t.last_seen_ms + ttl_ms);
  return send();
}

uint64_t DurableWrites::launch(const Player& player, const GameSession& s,
                               const SaveSlot* new_slot) {
  const std::string_view slug = catalog_.games()[s.game].slug;
  const std::string slot_id = id_to_string(IdKind::kSaveSlot, s.slot_owner, s.slot);
  intent_.begin(next_seq_, WriteClass::kRequest);
  if (new_slot) {
    intent_.statement(kStmtInsertSlot).text(slot_id).text(player.id).integer(player.partition);
    intent_.text(slug).integer(new_slot->created_ms);
  }
  const std::string session_id = id_to_string(IdKind::kSession, s.owner, s.id);
  intent_.statement(kStmtEndStaleActive).text(session_id).text(player.id);
  intent_.statement(kStmtInsertSession).text(session_id);
  intent_.text(player.id).integer(player.partition).text(slug).text(slot_id);
  intent_.integer(s.started_ms);
  return send();
}

void DurableWrites::session_status(const GameSession& s, const std::string* own_url) {
  intent_.statement(kStmtUpdateSession).text(id_to_string(IdKind::kSession, s.owner, s.id));
  intent_.text(status_name(s.status));
  intent_.text_or_null(phase_name(s.phase), s.status == SessionStatus::kStarting);
  const bool placed =
      (s.status == SessionStatus::kRunning ||
       (s.status == SessionStatus::kStarting && s.phase == StartPhase::kCreating)) &&
      s.server < servers_.size();
  intent_.text_or_null(placed ? std::string_view(servers_[s.server].name) : "", placed);
  if (s.active()) {
    intent_.null().null().null().null().null();
  } else {
    // Never before its start (CHECK ended_at >= started_at), whatever the wall clock did.
    intent_.integer(std::max(s.ended_ms, s.started_ms)).text(end_reason_name(s.end_reason));
    intent_.text_or_null(error_code(s.error), s.status == SessionStatus::kError);
    intent_.number(s.cpu_seconds).number(s.peak_memory_mb);
  }
  intent_.text_or_null(own_url ? std::string_view(*own_url) : "", own_url != nullptr);
  // Never before its start (CHECK running_at >= started_at), whatever the wall clock did.
  if (s.running_ms != 0) {
    intent_.integer(std::max(s.running_ms, s.started_ms));
  } else {
    intent_.null();
  }
  // An end carries the last keepalive time: the lazy write-back (docs/postgres.md) writes
  // only active sessions', and may not have written the last step's.
  if (s.active()) {
    intent_.null();
  } else {
    intent_.integer(s.last_keepalive_ms);
  }
}

void DurableWrites::webhook(const WebhookEvent* event, uint16_t partition) {
  if (!event) return;
  intent_.statement(kStmtInsertWebhook).text(event->id).text(event->session).integer(partition);
  intent_.text(event->body).integer(event->made_unix_ms);
}

uint64_t DurableWrites::status(const GameSession& s, const std::string* own_url,
                               const WebhookEvent* event, uint16_t partition) {
  intent_.begin(next_seq_, WriteClass::kBackground);
  session_status(s, own_url);
  webhook(event, partition);
  return send();
}

uint64_t DurableWrites::ended(const GameSession& s, const SaveSlot* saved_slot,
                              const WebhookEvent* event, uint16_t partition) {
  intent_.begin(next_seq_, WriteClass::kBackground);
  session_status(s, nullptr);
  webhook(event, partition);
  if (saved_slot) {
    intent_.statement(kStmtUpdateSlot).text(id_to_string(IdKind::kSaveSlot, s.slot_owner, s.slot));
    intent_.integer(static_cast<int64_t>(saved_slot->size_bytes)).integer(saved_slot->updated_ms);
  }
  return send();
}

void DurableWrites::abandon(const Id128& session, IdOwner owner, const Id128* made_slot) {
  intent_.begin(next_seq_, WriteClass::kBackground);
  intent_.statement(kStmtAbandonSession).text(id_to_string(IdKind::kSession, owner, session));
  if (made_slot) {
    intent_.statement(kStmtDropEmptySlot).text(id_to_string(IdKind::kSaveSlot, owner, *made_slot));
  }
  send();
}

void DurableWrites::touch_sessions(const std::vector<Touch>& kept_alive) {
  touch(kStmtTouchSessions, kept_alive, [](std::string& out, const Touch& row) {
    char text[kIdTextLength];
    format_id(IdKind::kSession, row.owner, row.id, text);
    out.append(text, sizeof text);
  });
}

void DurableWrites::touch_tokens(const std::vector<Touch>& expiry) {
  touch(kStmtTouchTokens, expiry,
        [](std::string& out, const Touch& row) { append_hex(out, row.id); });
}

template <typename AppendId>
void DurableWrites::touch(StatementId statement, const std::vector<Touch>& rows,
                          AppendId append_id) {
  for (size_t at = 0; at < rows.size(); at += kTouchesPerIntent) {
    ids_.assign(1, '{');
    times_.assign(1, '{');
    const size_t end = std::min(rows.size(), at + kTouchesPerIntent);
    for (size_t i = at; i < end; ++i) {
      if (i != at) {
        ids_.push_back(',');
        times_.push_back(',');
      }
      append_id(ids_, rows[i]);
      append_int(times_, rows[i].at_ms);
    }
    ids_.push_back('}');
    times_.push_back('}');
    intent_.begin(next_seq_, WriteClass::kBackground);
    intent_.statement(statement).text(ids_).text(times_);
    send();
  }
}

}  // namespace ringside

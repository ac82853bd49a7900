#include "model/messages.h"

#include <cstring>

#include "model/identifiers.h"
#include "model/wire.h"

namespace ringside {
namespace {

using namespace wire_size;

// Reads the version byte; false (and the reader failed) for any other version.
bool version_ok(WireReader& r) {
  if (r.u8() != kWireVersion) r.fail();
  return r.ok();
}

void put_conn(WireWriter& w, const ConnRef& ref) {
  w.u32(ref.index);
  w.u32(ref.generation);
}
ConnRef get_conn(WireReader& r) {
  ConnRef ref;
  ref.index = r.u32();
  ref.generation = r.u32();
  return ref;
}

// An optional string: a presence byte, then the string if present.
uint32_t opt16_size(bool present, std::string_view s) { return kU8 + (present ? str16(s) : 0); }
void put_opt16(WireWriter& w, bool present, std::string_view s) {
  w.boolean(present);
  if (present) w.str16(s);
}

}  // namespace

// ---- StoreWrite: the intent's bytes, as they are ------------------------------------------

void StoreWrite::encode(char* out) const {
  if (!intent.empty()) std::memcpy(out, intent.data(), intent.size());
}

bool StoreWrite::decode(std::string_view in, StoreWrite* out) {
  out->intent = in;
  return true;
}

// ---- PlaceSession: version, session, save_slot, game u32, owner_shard u16, session_owner u16,
//      slot_owner u16 (WireWriter::owner), fresh_slot u8, player_id (u16 length + bytes) -------

uint32_t PlaceSession::encoded_size() const {
  return kU8 + kId + kId + kU32 + kU16 + kU16 + kU16 + kU8 + str16(player_id);
}

void PlaceSession::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.id(save_slot);
  w.u32(game);
  w.u16(owner_shard);
  w.owner(session_owner);
  w.owner(slot_owner);
  w.boolean(fresh_slot);
  w.str16(player_id);
}

bool PlaceSession::decode(std::string_view in, PlaceSession* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->save_slot = r.id();
  out->game = r.u32();
  out->owner_shard = r.u16();
  out->session_owner = r.owner();
  out->slot_owner = r.owner();
  out->fresh_slot = r.boolean();
  out->player_id = r.str16(kMaxPlayerIdBytes);
  return r.done();
}

// ---- StopSession: version, session ---------------------------------------------------------

uint32_t StopSession::encoded_size() const { return kU8 + kId; }

void StopSession::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
}

bool StopSession::decode(std::string_view in, StopSession* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  return r.done();
}

// ---- StopForReason: version, session, reason u8 ---------------------------------------------

uint32_t StopForReason::encoded_size() const { return kU8 + kId + kU8; }

void StopForReason::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.u8(static_cast<uint8_t>(reason));
}

bool StopForReason::decode(std::string_view in, StopForReason* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->reason = r.enumeration(kLastEndReason);
  if (out->reason == EndReason::kNone || out->reason == EndReason::kStopped ||
      out->reason == EndReason::kError) {
    r.fail();
  }
  return r.done();
}

// ---- SessionPhaseUpdate: version, session, phase u8, server u32, queue ticket u32 -----------

uint32_t SessionPhaseUpdate::encoded_size() const { return kU8 + kId + kU8 + kU32 + kU32; }

void SessionPhaseUpdate::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.u8(static_cast<uint8_t>(phase));
  w.u32(server);
  w.u32(queue_ticket);
}

bool SessionPhaseUpdate::decode(std::string_view in, SessionPhaseUpdate* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->phase = r.enumeration(kLastStartPhase);
  out->server = r.u32();
  out->queue_ticket = r.u32();
  return r.done();
}

// ---- SessionRunning: version, session, server u32, start kind u8 -----------------------------

uint32_t SessionRunning::encoded_size() const { return kU8 + kId + kU32 + kU8; }

void SessionRunning::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.u32(server);
  w.u8(static_cast<uint8_t>(start_kind));
}

bool SessionRunning::decode(std::string_view in, SessionRunning* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->server = r.u32();
  out->start_kind = r.enumeration(kLastStartKind);
  return r.done();
}

// ---- SessionUrl: version, session, url (u16 length + bytes) ----------------------------------

uint32_t SessionUrl::encoded_size() const { return kU8 + kId + str16(url); }

void SessionUrl::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.str16(url);
}

bool SessionUrl::decode(std::string_view in, SessionUrl* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->url = r.str16(kMaxUrlBytes);
  return r.done();
}

// ---- SessionFailed: version, session, error u8 -----------------------------------------------

uint32_t SessionFailed::encoded_size() const { return kU8 + kId + kU8; }

void SessionFailed::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.u8(static_cast<uint8_t>(error));
}

bool SessionFailed::decode(std::string_view in, SessionFailed* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->error = r.enumeration(kLastSessionError);
  return r.done();
}

// ---- SessionStopped: version, session, cpu_seconds f64, peak_memory_mb f64, save_bytes u64,
//      save_error u8, cpu_window_ms u32 --------------------------------------------------------

uint32_t SessionStopped::encoded_size() const {
  return kU8 + kId + kF64 + kF64 + kU64 + kU8 + kU32;
}

void SessionStopped::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.f64(figures.cpu_seconds);
  w.f64(figures.peak_memory_mb);
  w.u64(figures.save_bytes);
  w.u8(static_cast<uint8_t>(figures.save_error));
  w.u32(figures.cpu_window_ms);
}

bool SessionStopped::decode(std::string_view in, SessionStopped* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->session = r.id();
  out->figures.cpu_seconds = r.f64();
  out->figures.peak_memory_mb = r.f64();
  out->figures.save_bytes = r.u64();
  out->figures.save_error = r.enumeration(static_cast<SaveError>(kSaveErrorCount - 1));
  out->figures.cpu_window_ms = r.u32();
  return r.done();
}

// ---- WebhookEventMade: version, made at (unix ms, u64), id, session, body --------------------

uint32_t WebhookEventMade::encoded_size() const {
  return kU8 + kU64 + str16(id) + str16(session) + str16(body);
}

void WebhookEventMade::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.u64(static_cast<uint64_t>(made_unix_ms));
  w.str16(id);
  w.str16(session);
  w.str16(body);
}

bool WebhookEventMade::decode(std::string_view in, WebhookEventMade* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->made_unix_ms = static_cast<int64_t>(r.u64());
  out->id = r.str16(128);
  out->session = r.str16(128);
  out->body = r.str16(kMaxBodyBytes);
  return r.done();
}

// ---- ForwardRequest: version, ref (index u32, generation u32), route u16, token, param and
//      query (u16 length + bytes each), body (u32 length + bytes), has_launch u8 (set exactly
//      on the operator launch route); then, if set, player_id (u16 + bytes), game_slug and
//      lobby_url (presence u8, then u16 + bytes) ----------------------------------------------

uint32_t ForwardRequest::encoded_size() const {
  uint32_t n =
      kU8 + kU32 + kU32 + kU16 + str16(token) + str16(param) + str16(query) + str32(body) + kU8;
  if (has_launch)
    n += str16(launch.player_id) + opt16_size(has_game_slug, launch.game_slug) +
         opt16_size(has_lobby_url, launch.lobby_url);
  return n;
}

void ForwardRequest::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  put_conn(w, ref);
  w.u16(route);
  w.str16(token);
  w.str16(param);
  w.str16(query);
  w.str32(body);
  w.boolean(has_launch);
  if (!has_launch) return;
  w.str16(launch.player_id);
  put_opt16(w, has_game_slug, launch.game_slug);
  put_opt16(w, has_lobby_url, launch.lobby_url);
}

bool ForwardRequest::decode(std::string_view in, ForwardRequest* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->ref = get_conn(r);
  out->route = r.u16();
  out->token = r.str16();
  out->param = r.str16();
  out->query = r.str16();
  out->body = r.str32();
  out->has_launch = r.boolean();
  out->has_game_slug = false;
  out->has_lobby_url = false;
  out->launch = {};
  if (out->has_launch) {
    out->launch.player_id = r.str16(kMaxPlayerIdBytes);
    out->has_game_slug = r.boolean();
    if (out->has_game_slug) out->launch.game_slug = r.str16(kMaxSlugBytes);
    out->has_lobby_url = r.boolean();
    if (out->has_lobby_url) out->launch.lobby_url = r.str16(kMaxLobbyUrlBytes);
  }
  if ((out->route == kOperatorLaunchRoute) != out->has_launch) r.fail();
  return r.done();
}

// ---- ForwardReply: version, ref, status u16, route u16, content u8, close u8, headers (u16
//      length + bytes), body (u32 length + bytes) ----------------------------------------------

uint32_t ForwardReply::encoded_size() const {
  return kU8 + kU32 + kU32 + kU16 + kU16 + kU8 + kU8 + str16(headers) + str32(body);
}

void ForwardReply::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  put_conn(w, ref);
  w.u16(status);
  w.u16(route);
  w.u8(static_cast<uint8_t>(content));
  w.boolean(close);
  w.str16(headers);
  w.str32(body);
}

bool ForwardReply::decode(std::string_view in, ForwardReply* out) {
  WireReader r(in);
  if (!version_ok(r)) return false;
  out->ref = get_conn(r);
  out->status = r.u16();
  out->route = r.u16();
  out->content = r.enumeration(ReplyContent::kPrometheusText);
  out->close = r.boolean();
  out->headers = r.str16();
  out->body = r.str32();
  return r.done();
}

}  // namespace ringside

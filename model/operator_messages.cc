// The wire form of the operator sessions listing's messages (model/messages.h).
#include <cstring>

#include "model/identifiers.h"
#include "model/messages.h"
#include "model/wire.h"

namespace ringside {

using namespace wire_size;

// ---- OperatorSessionsQuery: version, query u64, limit u16, status u8, has_player u8,
//      has_game u8, has_server u8, game u16, server u32, player_id (u16 length + bytes),
//      server_name (u16 length + bytes) ----------------------------------------------------

uint32_t OperatorSessionsQuery::encoded_size() const {
  return kU8 + kU64 + kU16 + kU8 + kU8 + kU8 + kU8 + kU16 + kU32 + str16(filter.player_id) +
         str16(filter.server_name);
}

void OperatorSessionsQuery::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.u64(query);
  w.u16(filter.limit);
  w.u8(filter.status);
  w.boolean(filter.has_player);
  w.boolean(filter.has_game);
  w.boolean(filter.has_server);
  w.u16(filter.game);
  w.u32(filter.server);
  w.str16(filter.player_id);
  w.str16(filter.server_name);
}

bool OperatorSessionsQuery::decode(std::string_view in, OperatorSessionsQuery* out) {
  WireReader r(in);
  if (r.u8() != kWireVersion) return false;
  out->query = r.u64();
  OperatorSessionsFilter& f = out->filter;
  f.limit = r.u16();
  f.status = r.u8();
  f.has_player = r.boolean();
  f.has_game = r.boolean();
  f.has_server = r.boolean();
  f.game = r.u16();
  f.server = r.u32();
  f.player_id = r.str16(kMaxPlayerIdBytes);
  f.server_name = r.str16(OperatorSessionsFilter::kMaxServerNameBytes);
  if (f.limit < 1 || f.limit > OperatorSessionsFilter::kMaxLimit) return false;
  if (f.status != OperatorSessionsFilter::kAnyStatus && f.status >= kSessionStatusCount) {
    return false;
  }
  if (!f.has_player && !f.player_id.empty()) return false;
  if (!f.has_server && !f.server_name.empty()) return false;
  return r.done();
}

// ---- OperatorSessionsPart: version, query u64, count u32, partial u8, items (u32 length +
//      bytes) ------------------------------------------------------------------------------

void OperatorSessionsPart::append_item(std::string& out, int64_t started_ms,
                                       std::string_view json) {
  char head[kU64 + kU32];
  WireWriter w(head);
  w.u64(static_cast<uint64_t>(started_ms));
  w.u32(static_cast<uint32_t>(json.size()));
  out.append(head, sizeof head);
  out.append(json);
}

bool OperatorSessionsPart::next(std::string_view& rest, Item* item) {
  if (rest.empty()) return false;
  WireReader r(rest);
  item->started_ms = static_cast<int64_t>(r.u64());
  item->json = r.str32();
  if (!r.ok()) return false;
  rest.remove_prefix(kU64 + kU32 + item->json.size());
  return true;
}

uint32_t OperatorSessionsPart::encoded_size() const {
  return kU8 + kU64 + kU32 + kU8 + str32(items);
}

void OperatorSessionsPart::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.u64(query);
  w.u32(count);
  w.boolean(partial);
  w.str32(items);
}

bool OperatorSessionsPart::decode(std::string_view in, OperatorSessionsPart* out) {
  WireReader r(in);
  if (r.u8() != kWireVersion) return false;
  out->query = r.u64();
  out->count = r.u32();
  out->partial = r.boolean();
  out->items = r.str32();
  if (!r.done()) return false;
  // Exactly `count` well-formed records, nothing after them.
  std::string_view rest = out->items;
  Item item;
  uint32_t seen = 0;
  while (seen < out->count && next(rest, &item)) ++seen;
  return seen == out->count && rest.empty();
}

// ---- BackendIdReply: version, session, target shard u32, connection index u32 and generation
//      u32, backend_id (u16 length + bytes) -------------------------------------------------

uint32_t BackendIdReply::encoded_size() const {
  return kU8 + kId + kU32 + kU32 + kU32 + str16(backend_id);
}

void BackendIdReply::encode(char* out) const {
  WireWriter w(out);
  w.u8(kWireVersion);
  w.id(session);
  w.u32(target.shard);
  w.u32(target.ref.index);
  w.u32(target.ref.generation);
  w.str16(backend_id);
}

bool BackendIdReply::decode(std::string_view in, BackendIdReply* out) {
  WireReader r(in);
  if (r.u8() != kWireVersion) return false;
  out->session = r.id();
  out->target.shard = r.u32();
  out->target.ref.index = r.u32();
  out->target.ref.generation = r.u32();
  out->backend_id = r.str16(kMaxIdBytes);
  return r.done();
}

}  // namespace ringside

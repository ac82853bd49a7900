#include "backend/support/placed_sessions.h"

#include <utility>

#include "model/ids.h"

namespace ringside {

PlacedSession test_session(const Id128& id, const Id128& slot, uint32_t server) {
  PlacedSession s;
  s.session = id;
  s.session_id_text = id_to_string(IdKind::kSession, IdOwner{}, id);
  s.player_id = "p-test";
  s.game_slug = "test-game";
  s.save_dir = "/save";
  s.save_slot = slot;
  s.save_slot_text = id_to_string(IdKind::kSaveSlot, IdOwner{}, slot);
  s.server = server;
  return s;
}

PlacedSession test_start(const Id128& id, const Id128& slot, uint32_t server, std::string image) {
  PlacedSession s = test_session(id, slot, server);
  s.image = std::move(image);
  s.fresh_slot = true;
  s.cpu_millicores = 1000;
  s.memory_mb = 64;
  return s;
}

}  // namespace ringside

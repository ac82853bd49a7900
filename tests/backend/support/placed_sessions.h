#pragma once
// The sessions backend tests hand a backend, built as placement builds them.
#include <cstdint>
#include <string>

#include "model/backend.h"

namespace ringside {

// Session `id` (its text with owner shard 0) of player p-test in game test-game, save slot
// `slot` and save directory /save, placed on `server`. A test adds what its call needs: the
// image and limits of a start, or was_running for recover().
PlacedSession test_session(const Id128& id, const Id128& slot, uint32_t server);
// The same for start(): image `image`, a fresh slot, 1 core and 64 MB.
PlacedSession test_start(const Id128& id, const Id128& slot, uint32_t server, std::string image);

}  // namespace ringside

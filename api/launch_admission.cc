#include "api/launch_admission.h"

#include "api/player_api_helpers.h"
#include "model/messages.h"

namespace ringside {

LaunchAdmission::LaunchAdmission(const Runtime& runtime, Reactor& reactor, PlayerMetrics& metrics,
                                 SessionStore& sessions)
    : runtime_(runtime),
      reactor_(reactor),
      metrics_(metrics),
      sessions_(sessions),
      shard_(static_cast<uint16_t>(reactor.self())),
      player_launches_(Rate{runtime.config.launch_rate_per_player},
                       runtime.config.launch_burst_per_player),
      shard_budget_(shard_share_of(Rate{runtime.config.launch_budget},
                                   runtime.config.launch_budget_burst, runtime.shard_count()),
                    reactor.now_ms()) {}

// Until their commit the shard's launches in flight hold their place in its budget; the
// player's bucket needs no such count, as the player's in-flight launch is its one active
// session.
bool LaunchAdmission::has_room(const Player& player, uint64_t now, size_t in_flight, Reply& reply) {
  if (!player_launches_.can_take(player.launch_bucket, now)) {
    metrics_.launches_rate_limited.add();
    reply.error(429, "rate_limited", "Too many launches for this player.");
    retry_after(reply, player_launches_.retry_after_seconds(player.launch_bucket, now));
    return false;
  }
  const double others = static_cast<double>(in_flight);
  if (!shard_budget_.can_take(now, others + 1)) {
    metrics_.launches_rate_limited.add();
    reply.error(429, "rate_limited", "Too many launches right now.");
    retry_after(reply, shard_budget_.retry_after_seconds(now, others + 1));
    return false;
  }
  return true;
}

void LaunchAdmission::accept(const GameSession& s, uint64_t now) {
  player_launches_.take(sessions_.player(s.player).launch_bucket, now);
  shard_budget_.take(now);
  place(s);
  metrics_.launches_accepted.add();
}

void LaunchAdmission::place(const GameSession& s) {
  Player& player = sessions_.player(s.player);
  const SaveSlot* slot = sessions_.find_slot(player, s.slot);
  const bool fresh_slot = !slot || slot->size_bytes == 0;
  const uint16_t game = s.game;
  const Id128 slot_id = s.slot;

  PlaceSession place;
  place.session = s.id;
  place.save_slot = slot_id;
  place.game = game;
  place.owner_shard = shard_;
  place.session_owner = s.owner;
  place.slot_owner = s.slot_owner;
  place.fresh_slot = fresh_slot;
  place.player_id = player.id;
  reactor_.mailbox().send(runtime_.io_thread(), place);
}

}  // namespace ringside

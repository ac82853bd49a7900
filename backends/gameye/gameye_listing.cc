// The fleet's listing (GET /session?all=true&filter[ringside.fleet]=...), read at recovery and
// by the periodic liveness check: adopting or losing recovered sessions, owed DELETEs,
// orphans, and running sessions Gameye no longer serves. See docs/gameye-backend.md.
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "backends/gameye/gameye_backend.h"
#include "core/log.h"

namespace ringside {
namespace {

// An owed DELETE is sent again at most this many times (once per liveness check).
constexpr uint32_t kMaxOwedResends = 10;

}  // namespace

void GameyeBackend::owe_delete(const std::string& uuid) {
  if (!owed_.try_emplace(uuid).second) return;
  metrics_.gameye_deletes_owed.set(owed_.size());
  log_warn("gameye_delete_owed").kv("gameye_id", uuid).kv("owed", uint64_t{owed_.size()});
  arm_liveness();  // with the periodic check off, one is armed for the owed DELETEs
}

bool GameyeBackend::settle_delete(const std::string& uuid, std::string_view by) {
  if (owed_.erase(uuid) == 0) return false;
  metrics_.gameye_deletes_owed.set(owed_.size());
  log_info("gameye_delete_settled")
      .kv("gameye_id", uuid)
      .kv("by", by)
      .kv("owed", uint64_t{owed_.size()});
  return true;
}

void GameyeBackend::send_listing() {
  const uint64_t listing = ++listings_sent_;
  listing_request_ = http_.send(request("GET", fleet_listing_path(options_.fleet)),
                                [this, listing](HttpResponse&& response) {
                                  listing_request_ = 0;
                                  on_listing(listing, response);
                                });
}

void GameyeBackend::on_listing(uint64_t listing, const HttpResponse& response) {
  std::optional<std::vector<ListedSession>> listed;
  if (response.status == 200) listed = parse_session_list(response.body);
  const Listing purpose = listing_for_;
  if (!listed) {
    if (response.status == 401) {
      const std::string_view during = purpose == Listing::kRecovery ? "recover" : "liveness";
      for (uint32_t i = 0; i < servers_.size(); ++i) unauthorized(i, during);
    } else if (listing_retries_ < options_.retries) {
      ++listing_retries_;
      log_warn("gameye_listing_retry")
          .kv("status", static_cast<int64_t>(response.status))
          .kv("error", response.error);
      timers_.arm(&listing_timer_,
                  now_ms_() + retry_delay_ms(listing_retries_, options_.retry_base_ms,
                                             options_.retry_cap_ms, rng_()));
      return;
    }
  }
  listing_for_ = Listing::kNone;
  if (purpose == Listing::kRecovery) {
    reconcile(listing, listed ? &*listed : nullptr);
    if (recovery_listing_ > listing) {  // recover() came again while this one was under way
      listing_for_ = Listing::kRecovery;
      listing_retries_ = 0;
      send_listing();
      return;
    }
  } else if (listed) {
    check_liveness(listing, *listed);
  } else {
    // Nothing is judged on a listing that did not come: no session is declared lost.
    log_warn("gameye_liveness_unverified")
        .kv("status", static_cast<int64_t>(response.status))
        .kv("error", response.error);
  }
  arm_liveness();  // after the check: one that settled the last owed DELETE may need no more
}

void GameyeBackend::reconcile(uint64_t listing, const std::vector<ListedSession>* listed) {
  std::vector<PlacedSession> known;
  std::vector<Recovering> later;
  for (Recovering& r : recovering_) {
    if (r.judged_by <= listing) {
      known.push_back(std::move(r.session));
    } else {
      later.push_back(std::move(r));
    }
  }
  recovering_ = std::move(later);
  std::unordered_map<std::string_view, const ListedSession*> by_label;
  if (listed != nullptr) {
    // Live ones are adopted, unreachable ones too: the liveness check judges those.
    for (const ListedSession& l : *listed) {
      if (!gameye_status_live(l.status)) continue;
      by_label.emplace(l.session_label, &l);
    }
  } else {
    log_error("gameye_recover_unverified").kv("sessions", uint64_t{known.size()});
  }
  for (PlacedSession& r : known) {
    if (find(r.session) != nullptr) {  // placement's bug: it has this session under way here
      log_error("gameye_recover_duplicate").kv("session", r.session_id_text);
      continue;
    }
    const auto it = by_label.find(r.session_id_text);
    const ListedSession* l = it == by_label.end() ? nullptr : it->second;
    // Unverified, a running session is adopted where the store placed it; a start cut short
    // is not (it may never have reached Gameye, and the store does not know where it went).
    const bool live = listed == nullptr ? r.was_running : l != nullptr;
    // Where it runs: the listing says (the store has no server for a start cut short, and a
    // 420 may have moved a start), else where the store placed it.
    uint32_t server = l != nullptr ? server_named(l->location) : kNoLocation;
    if (server == kNoLocation && r.server < servers_.size()) server = r.server;
    if (!live || server == kNoLocation) {
      log_info("gameye_recover_gone")
          .kv("session", r.session_id_text)
          .kv("was_running", r.was_running ? 1 : 0);
      if (r.was_running) {
        events_.on_lost(r.session, SessionError::kContainerLost);
      } else {
        events_.on_start_failed(r.session, SessionError::kStartFailed);
      }
      continue;
    }
    if (server != r.server) events_.on_relocated(r.session, server);
    adopt(std::move(r), server, l);
  }
  if (listed != nullptr) delete_orphans(*listed);
}

void GameyeBackend::adopt(PlacedSession&& r, uint32_t server, const ListedSession* listed) {
  const bool was_running = r.was_running;
  Session& s = add_session(std::move(r), server);
  s.relaunchable = false;
  // Unverified (no listing): the first id is the one it most likely runs under.
  s.uuid = listed == nullptr ? gameye_session_uuid(s.id, 0) : listed->id;
  if (listed != nullptr) s.endpoint = listed->endpoint;
  if (!was_running && listed != nullptr && listed->status != "running") {
    // A start cut short that Gameye is still starting: it runs when Gameye says so.
    log_info("gameye_recover_starting")
        .kv("session", s.id_text)
        .kv("gameye_id", s.uuid)
        .kv("status", listed->status);
    s.state = State::kWaiting;
    s.next = Call::kDescribe;
    timers_.arm(&s, now_ms_());
    return;
  }
  s.state = State::kRunning;
  s.running_since_listing = listings_sent_;
  log_info("gameye_recover_adopted")
      .kv("session", s.id_text)
      .kv("gameye_id", s.uuid)
      .kv("was_running", was_running ? 1 : 0);
  report_running(s);
}

uint32_t GameyeBackend::server_named(std::string_view location) const {
  for (uint32_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].name == location) return i;
  }
  return kNoLocation;
}

void GameyeBackend::arm_liveness() {
  const uint32_t every = options_.liveness_ms > 0 ? options_.liveness_ms
                         : owed_.empty()          ? 0
                                                  : options_.owed_check_ms;
  if (every > 0 && !liveness_timer_.armed()) timers_.arm(&liveness_timer_, now_ms_() + every);
}

void GameyeBackend::list_for_liveness() {
  // Recovery under way: it arms the next check when it is done.
  if (listing_for_ != Listing::kNone) return;
  // The token is refused: the probe asks until it works; the check resumes after.
  if (std::find(down_.begin(), down_.end(), 1) != down_.end()) {
    arm_liveness();
    return;
  }
  listing_for_ = Listing::kLiveness;
  listing_retries_ = 0;
  send_listing();
}

void GameyeBackend::check_liveness(uint64_t listing, const std::vector<ListedSession>& listed) {
  settle_owed(listed);
  if (options_.liveness_ms == 0) return;  // a listing for the owed DELETEs only
  // Before lose_vanished(): a lost session that Gameye still lists live is deleted as lost.
  delete_orphans(listed);
  lose_vanished(listing, listed);
}

void GameyeBackend::settle_owed(const std::vector<ListedSession>& listed) {
  if (owed_.empty()) return;
  std::unordered_map<std::string_view, const ListedSession*> by_id;
  for (const ListedSession& l : listed) by_id.emplace(l.id, &l);
  for (auto it = owed_.begin(); it != owed_.end();) {
    const std::string& uuid = it->first;
    OwedDelete& owed = it->second;
    const auto l = by_id.find(uuid);
    // Handed over (cluster mode) only when its label names a partition served elsewhere now:
    // its owner judges it (an orphan there when its stop was stored, else a session it
    // adopted). A label missing or unreadable names no owner, so no other node would ever
    // delete it, and the Gameye id is this node's (it launched, adopted or judged the
    // session): the DELETE stays owed here.
    const bool handed_over =
        l != by_id.end() && !l->second->player_label.empty() && !judges(l->second->player_label);
    if (l == by_id.end() || !gameye_status_live(l->second->status) || handed_over) {
      // Gone, ended, or its partition's owner's now.
      const std::string settled = uuid;  // erased by settle_delete()
      ++it;
      std::string_view by = "handed_over";
      if (l == by_id.end()) {
        by = "absent";
      } else if (!gameye_status_live(l->second->status)) {
        by = l->second->status;
      }
      settle_delete(settled, by);
      continue;
    }
    if (!owed.abandoned && detached_.count(uuid) == 0) {
      if (owed.resends < kMaxOwedResends) {
        ++owed.resends;
        delete_detached(uuid, "delete_owed");
      } else {
        owed.abandoned = true;
        log_error("gameye_delete_abandoned").kv("gameye_id", uuid).kv("resends", owed.resends);
      }
    }
    ++it;
  }
}

void GameyeBackend::delete_orphans(const std::vector<ListedSession>& listed) {
  // Every session this process launched is in sessions_ from start(), before its POST is
  // sent, until it ends; so one launched after the listing was asked for, or whose POST has
  // not been answered, is known here by its Gameye id — or, for an id changed since (a later
  // attempt after a 420, an unverified adoption), by its ringside.session label. So is one
  // that recover() was given and a later listing will judge.
  std::unordered_set<std::string_view> known_ids;
  std::unordered_set<std::string_view> known_sessions;
  for (const auto& [id, s] : sessions_) {
    known_ids.insert(s->uuid);
    known_sessions.insert(s->id_text);
  }
  for (const Recovering& r : recovering_) known_sessions.insert(r.session.session_id_text);
  for (const ListedSession& l : listed) {
    if (!gameye_status_live(l.status) || known_ids.count(l.id) != 0 ||
        known_sessions.count(l.session_label) != 0 || owed_.count(l.id) != 0) {
      continue;
    }
    // Another node's partition (cluster mode), or no player label to tell: not judged here.
    // Never this node's own session: those under way, recovering or owed were passed above.
    if (!judges(l.player_label)) continue;
    // Runs for this fleet, in a partition of this node, yet ringside does not know it.
    delete_detached(l.id, "orphan");
  }
}

void GameyeBackend::lose_vanished(uint64_t listing, const std::vector<ListedSession>& listed) {
  std::unordered_map<std::string_view, const ListedSession*> by_id;
  std::unordered_map<std::string_view, const ListedSession*> serving_by_label;
  for (const ListedSession& l : listed) {
    by_id.emplace(l.id, &l);
    if (gameye_status_serving(l.status)) serving_by_label.emplace(l.session_label, &l);
  }
  struct Lost {
    Id128 id;
    std::string status;  // Gameye's, "" when not listed
  };
  std::vector<Lost> lost;
  for (const auto& [id, owned] : sessions_) {
    Session& s = *owned;
    // Judged only when running since before the listing was asked for; a launch still under
    // way, or one that came to run since, waits for the next listing.
    if (s.state != State::kRunning || s.running_since_listing >= listing) continue;
    const auto by = by_id.find(s.uuid);
    if (by != by_id.end() && gameye_status_serving(by->second->status)) {
      s.doubtful_listings = 0;
      continue;
    }
    const auto labelled = serving_by_label.find(s.id_text);
    if (labelled != serving_by_label.end()) {
      // It runs under another id than believed (adopted unverified): take Gameye's.
      log_info("gameye_id_corrected")
          .kv("session", s.id_text)
          .kv("was", s.uuid)
          .kv("gameye_id", labelled->second->id);
      s.uuid = labelled->second->id;
      s.doubtful_listings = 0;
      continue;
    }
    const std::string status = by == by_id.end() ? std::string() : by->second->status;
    if ((status.empty() || gameye_status_live(status)) &&
        ++s.doubtful_listings < kDoubtsBeforeLost) {
      log_warn("gameye_session_doubtful")
          .kv("session", s.id_text)
          .kv("gameye_id", s.uuid)
          .kv("status", status.empty() ? std::string_view("absent") : std::string_view(status));
      continue;
    }
    lost.push_back({id, status});
  }
  for (const Lost& l : lost) {
    Session* s = find(l.id);
    if (s == nullptr || s->state != State::kRunning) continue;
    log_warn("gameye_session_lost")
        .kv("session", s->id_text)
        .kv("gameye_id", s->uuid)
        .kv("status", l.status.empty() ? std::string_view("absent") : l.status);
    // Live yet not serving (its machine unreachable): stop it, should it come back.
    if (!l.status.empty() && gameye_status_live(l.status)) delete_detached(s->uuid, "lost");
    erase(*s);
    events_.on_lost(l.id, SessionError::kContainerLost);
  }
}

void GameyeBackend::on_listing_timer(TimerNode* node) {
  static_cast<OwnerTimer*>(node)->backend->send_listing();
}

void GameyeBackend::on_liveness_timer(TimerNode* node) {
  static_cast<OwnerTimer*>(node)->backend->list_for_liveness();
}

}  // namespace ringside

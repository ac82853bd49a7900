#pragma once
// BackendEvents that remembers every call, in order, for tests to look at.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/backend.h"

namespace ringside {

struct RecordedEvent {
  enum Kind { kPhase, kRelocated, kRunning, kStartFailed, kStopped, kLost, kHealth, kRefusing };
  Kind kind;
  Id128 session;                             // not for kHealth
  StartPhase phase = StartPhase::kQueued;    // kPhase
  SessionError error = SessionError::kNone;  // kStartFailed, kLost
  SessionFigures figures;                    // kStopped
  uint32_t server = 0;                       // kHealth, kRefusing, kRelocated
  bool up = false;                           // kHealth; kRefusing: false while it refuses
};

std::string_view kind_name(RecordedEvent::Kind kind);

struct RecordingEvents : BackendEvents {
  void on_phase(const Id128& session, StartPhase phase) override;
  void on_relocated(const Id128& session, uint32_t server) override;
  void on_running(const Id128& session) override;
  void on_start_failed(const Id128& session, SessionError error) override;
  void on_stopped(const Id128& session, const SessionFigures& figures) override;
  void on_lost(const Id128& session, SessionError error) override;
  void on_server_health(uint32_t server, bool up) override;
  void on_server_refusing(uint32_t server, bool refusing) override;

  // How many events of `kind` were recorded for `session`.
  size_t count(RecordedEvent::Kind kind, const Id128& session) const;
  bool has_running(const Id128& session) const { return count(RecordedEvent::kRunning, session); }
  bool has_phase(const Id128& session, StartPhase phase) const;
  // The error of the first on_start_failed / on_lost for `session`, if any.
  std::optional<SessionError> start_failed(const Id128& session) const;
  std::optional<SessionError> lost(const Id128& session) const;
  // The figures of the first on_stopped for `session`, if any.
  std::optional<SessionFigures> stopped(const Id128& session) const;
  // Whether the session got its final word: running, start failed, stopped or lost.
  bool settled(const Id128& session) const;
  // The servers on_relocated named for `session`, in order.
  std::vector<uint32_t> relocations(const Id128& session) const;
  // The last health report for `server`, if any.
  std::optional<bool> server_up(uint32_t server) const;
  // Whether the last on_server_refusing for `server` said it refuses launches, if any came.
  std::optional<bool> server_refusing(uint32_t server) const;
  // The events of one session, in order.
  std::vector<RecordedEvent> of(const Id128& session) const;
  // One line per event, for failure messages.
  std::string describe() const;

  // The events recorded since the last call (all of them the first time).
  std::vector<RecordedEvent> take();

  std::vector<RecordedEvent> events;

  // Warm pools, kept apart from `events`.
  void on_no_room(const Id128& session) override { no_room.push_back(session); }
  void on_warm_ready(uint64_t warm) override { warm_ready.push_back(warm); }
  void on_warm_gone(uint64_t warm) override { warm_gone.push_back(warm); }
  uint64_t on_warm_found(uint32_t server, std::string_view game, std::string_view image,
                         uint32_t cpu_millicores, uint32_t memory_mb,
                         std::string_view label_player) override {
    (void)cpu_millicores;
    (void)memory_mb;
    warm_found.push_back(
        {server, std::string(game), std::string(image), std::string(label_player)});
    return found_answer;
  }
  void on_server_foreign(uint32_t server, ForeignUse use) override {
    foreign.emplace_back(server, use);
  }
  void on_warm_recovered() override { warm_recovered.push_back(warm_found.size()); }
  void on_prefetched(uint32_t server, std::string_view image, bool ok) override {
    prefetched.push_back({server, std::string(image), ok});
  }
  struct Found {
    uint32_t server;
    std::string game, image, label_player;
  };
  struct Prefetched {
    uint32_t server;
    std::string image;
    bool ok;
  };
  std::vector<Id128> no_room;
  std::vector<uint64_t> warm_ready, warm_gone;
  std::vector<Found> warm_found;
  uint64_t found_answer = 0;  // what on_warm_found answers
  // One per on_warm_recovered: how many on_warm_found came before it.
  std::vector<size_t> warm_recovered;
  std::vector<Prefetched> prefetched;
  std::vector<std::pair<uint32_t, ForeignUse>> foreign;  // every on_server_foreign, in order
};

}  // namespace ringside

#pragma once
// The Gameye fleet (--backend gameye): game sessions on Gameye's hosted platform, through its
// session API (backends/gameye/gameye_api.h) over the I/O core's HttpClient. Each configured
// location is one logical game server; images are hosted, so every server "has" every image.
//
// A launch is POST /session under a UUID derived from ringside's session id, so a retry after
// a timeout (or a ringside restart) names the same Gameye session: 409 then means "ours
// already", confirmed with GET /session/{id}. Timeouts, 429 and 5xx are retried with
// exponential backoff and jitter under the same id; a failed start (420: the location cannot
// take it now) moves, under the next id, to the next location with room that has not refused
// it (reported through on_relocated), and ends no_servers when none is left. A location that
// answered 420 cools down for refused_cooldown_ms: reported down (on_server_health), so
// placement sends it nothing, and passed over by failed starts. 401 marks the location down
// (probed until the token works); 404 and 422 end the launch.
// A stop is DELETE /session/{id} (404 is fine), also while a launch is under way: a POST still
// in flight is let finish and the DELETE repeated if it may have started the session after
// the first DELETE. Gameye's public API offers no per-session CPU or memory figures, so a stop
// reports them unknown (NaN).
//
// Every `liveness_ms` the fleet's listing (the one recover() reads) is checked: a running
// session Gameye shows ended, unreachable or not at all is lost; a DELETE that failed past its
// retries is owed and sent again while Gameye lists the session live; orphans are deleted.
// In a cluster every node shares the fleet: only sessions whose ringside.player label is in a
// partition this node serves (Backend::judges) are ever taken for orphans here, and an owed
// DELETE is dropped only when its label names a partition served elsewhere (missing or
// unreadable, it stays owed); forget() drops a session without a DELETE, and recover() comes
// once per partition acquired.
//
// Every final event comes from an HTTP answer or a timer, never from inside start(), stop()
// or recover(). See docs/gameye-backend.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "backends/gameye/gameye_api.h"
#include "backends/http/http_client.h"
#include "core/timer_wheel.h"
#include "model/backend.h"
#include "model/metrics/backend_metrics.h"

namespace ringside {

struct GameyeOptions {
  std::string base_url;                // e.g. https://api.gameye.io, without a trailing slash
  std::string token;                   // the bearer token; never logged
  std::string fleet = "ringside";      // value of the ringside.fleet label: what recover() owns
  std::vector<std::string> locations;  // server i runs in locations[i]
  uint32_t timeout_ms = 10'000;        // one request, connect included
  uint32_t retries = 3;                // per launch, for timeouts, 429 and 5xx; per stop too
  uint32_t retry_base_ms = 250;        // first backoff; doubles per retry
  uint32_t retry_cap_ms = 8'000;       // longest backoff
  uint32_t probe_ms = 30'000;          // how often a location down after 401 is probed
  uint32_t liveness_ms = 30'000;       // how often the fleet's listing is checked; 0: never
  // With liveness_ms 0: how often the listing is read while DELETEs are owed (only for them).
  uint32_t owed_check_ms = 30'000;
  // How long a location that answered 420 takes no launch (docs/gameye-backend.md).
  uint32_t refused_cooldown_ms = 15'000;
  uint64_t seed = 1;  // of the jitter
};

class GameyeBackend final : public Backend {
 public:
  using Clock = std::function<uint64_t()>;  // ms, the clock `timers` is advanced with

  // `http` and `metrics` must outlive the backend; `owned_http`, when given, is `http` and is
  // kept alive here.
  GameyeBackend(std::vector<GameServerInfo> servers, GameyeOptions options, HttpClient& http,
                TimerWheel& timers, Clock now_ms, BackendEvents& events, BackendMetrics& metrics,
                std::unique_ptr<HttpClient> owned_http = nullptr);
  ~GameyeBackend() override;
  GameyeBackend(const GameyeBackend&) = delete;
  GameyeBackend& operator=(const GameyeBackend&) = delete;

  std::string_view name() const override { return "gameye"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  std::string_view backend_id(const Id128& session) const override {
    auto it = sessions_.find(session);
    return it == sessions_.end() ? std::string_view() : std::string_view(it->second->uuid);
  }
  bool has_image(uint32_t server, std::string_view) const override {
    return server < servers_.size();
  }
  void start(PlacedSession spec) override;
  void stop(const Id128& session) override;
  void recover(std::vector<PlacedSession> sessions) override;
  void forget(const Id128& session) override;
  // The fleet's listing shows every session with its labels and location.
  bool recovers_unplaced_starts() const override { return true; }

  // Sessions started (or adopted) and not yet ended.
  size_t session_count() const { return sessions_.size(); }
  // Where a running session's game listens (Gameye's host and first host port).
  std::optional<Endpoint> endpoint(const Id128& session) const;
  // Gameye sessions whose DELETE failed past its retries and that the liveness check still
  // looks after (also BackendMetrics::gameye_deletes_owed).
  size_t owed_delete_count() const { return owed_.size(); }

 private:
  enum class State : uint8_t {
    kLaunching,   // POST /session in flight
    kDescribing,  // GET /session/{id} in flight, after a 409
    kWaiting,     // backoff before `next`
    kFailing,     // reporting `error` from the timer
    kRunning,
    kStopping,  // DELETE under way (a POST may still be in flight)
  };
  enum class Call : uint8_t { kLaunch, kDescribe, kDelete };

  struct Session : TimerNode {
    GameyeBackend* backend = nullptr;
    Id128 id;
    std::string id_text;
    std::string player;
    std::string game;
    std::string image;
    std::string save_dir;
    std::string save_slot;
    bool fresh_slot = false;
    uint32_t server = 0;        // where it is launched now
    uint32_t first_server = 0;  // where placement put it: failed starts move on from there
    uint32_t attempt = 0;       // of the Gameye id: one more after each failed start
    std::string uuid;           // gameye_session_uuid(id, attempt)
    State state = State::kLaunching;
    Call next = Call::kLaunch;                 // kWaiting: what the timer sends
    uint32_t retries = 0;                      // transient failures of this launch (or stop) so far
    SessionError error = SessionError::kNone;  // kFailing
    // False for a start adopted by recover(): the store keeps no fresh_slot for it (nor the
    // locations it tried), so a failed start ends it rather than launching it again.
    bool relaunchable = true;
    Endpoint endpoint;
    // In-flight requests (0: none). A stop may overlap its DELETE with the launch's POST.
    HttpClient::RequestId request = 0;
    HttpClient::RequestId delete_request = 0;
    // kStopping: whether Gameye confirmed the session gone (204, 409), and whether a POST
    // answered after the last DELETE was sent in a way that may have started the session.
    bool gone = false;
    bool launch_landed_after_delete = false;
    uint32_t deletes = 0;
    // listings_sent_ when it became running: only listings asked for later may judge it.
    uint64_t running_since_listing = 0;
    // Listings in a row that showed it unreachable or did not list it (kDoubtsBeforeLost).
    uint8_t doubtful_listings = 0;
  };
  // A running session Gameye shows unreachable, or does not list, is lost only when this many
  // listings in a row say so: a machine's short blip, or a listing that missed a session,
  // must not end a game. Exited or dead in one listing is lost at once: Gameye says it ended.
  static constexpr uint8_t kDoubtsBeforeLost = 2;
  // A launch tries at most this many locations (Gameye ids: attempts 0 to 7); each costs a
  // backoff and a POST, and the player waits.
  static constexpr uint32_t kMaxStartAttempts = 8;
  static constexpr uint32_t kNoLocation = UINT32_MAX;

  // What the one listing under way is for.
  enum class Listing : uint8_t { kNone, kRecovery, kLiveness };

  // A DELETE that failed past its retries: the session may still run (and bill).
  struct OwedDelete {
    uint32_t resends = 0;
    bool abandoned = false;  // resent kMaxOwedResends times: left to the next recovery
  };

  struct OwnerTimer : TimerNode {
    GameyeBackend* backend = nullptr;
  };
  // Armed while its location cools down after a 420.
  struct CoolDown : TimerNode {
    GameyeBackend* backend = nullptr;
    uint32_t server = 0;
  };

  // The session's record, from start() or recover(): filled from `spec`, on `server`.
  Session& add_session(PlacedSession&& spec, uint32_t server);
  Session* find(const Id128& id);
  HttpRequest request(std::string_view method, const std::string& path,
                      std::string body = {}) const;
  HttpClient::RequestId send(Session& s, Call call);
  void send_launch(Session& s);
  void send_describe(Session& s);
  void send_delete(Session& s);
  void on_answer(const Id128& id, Call call, HttpResponse&& response);
  void on_launch_answer(Session& s, const HttpResponse& response);
  void on_describe_answer(Session& s, const HttpResponse& response);
  void on_delete_answer(Session& s, const HttpResponse& response);
  void send_listing();
  void on_listing(uint64_t listing, const HttpResponse& response);
  // Reports every session recover() was given before listing number `listing` was asked for,
  // from what Gameye lists (or, when it could not be asked, adopts the running ones and fails
  // the starts).
  void reconcile(uint64_t listing, const std::vector<ListedSession>* listed);
  // Takes a recovered session into the table on `server`: running, or — a start cut short
  // that Gameye still starts (`listed` not running) — looked at until it runs, as after a 409.
  // `listed` is null when unverified.
  void adopt(PlacedSession&& r, uint32_t server, const ListedSession* listed);
  // The server of a location, kNoLocation when it is not configured.
  uint32_t server_named(std::string_view location) const;
  // The periodic check: asks for the listing unless one is under way or the token is refused.
  void list_for_liveness();
  void arm_liveness();
  // From listing number `listing`: owed DELETEs, orphans, then lost sessions.
  void check_liveness(uint64_t listing, const std::vector<ListedSession>& listed);
  // Resends each owed DELETE Gameye lists live; forgets those listed ended or absent, and
  // those listed with a player label in a partition served elsewhere (handed over).
  void settle_owed(const std::vector<ListedSession>& listed);
  // DELETEs what runs with this fleet's label, for a player this node judges, that no session
  // under way or waiting for recovery (by Gameye id or by ringside.session label) or owed
  // DELETE accounts for.
  void delete_orphans(const std::vector<ListedSession>& listed);
  void lose_vanished(uint64_t listing, const std::vector<ListedSession>& listed);
  // Remembers a DELETE that failed for good, for the liveness check to send again.
  void owe_delete(const std::string& uuid);
  // Forgets an owed DELETE Gameye confirmed (`by`: how); false when none was owed.
  bool settle_delete(const std::string& uuid, std::string_view by);
  // Backs off before `call` again; false when the retries are used up.
  bool retry_later(Session& s, Call call);
  // A failed start (420, or a 409 that turned out dead): the next attempt, under the next id,
  // in next_location(); with none left the launch ends with `if_none_left`.
  void failed_start(Session& s, SessionError if_none_left);
  // The first location after s.server, in configured order and wrapping around, that has room,
  // stopping short of s.first_server (each is tried once); kNoLocation when none.
  uint32_t next_location(const Session& s) const;
  // Up (no 401), not cooling down, and holding fewer sessions under way here than its slots:
  // the count the scheduler places by (--gameye-slots-per-location).
  bool has_room(uint32_t server) const;
  // A 420 from `server`: refusing to placement for refused_cooldown_ms (again from now when it
  // already cools down). Up all the same: a capacity answer is not an outage.
  void cool_down(uint32_t server);
  void unauthorized(uint32_t server, std::string_view during);
  void mark_running(Session& s, const Endpoint& endpoint);
  // on_session_url (http://host:port of the session) when known, then on_running.
  void report_running(const Session& s);
  // Reports the start failure from the session's timer, on the next turn of the loop.
  void fail_later(Session& s, SessionError error);
  // The stop is done when no request is in flight and the session is gone or never was.
  void continue_stop(Session& s);
  // Removes the session, then reports its end.
  void finish_failed(Session& s, SessionError error);
  void finish_stopped(Session& s);
  void erase(Session& s);
  // DELETE for a session no one waits for (orphans, launches given up after timeouts, owed
  // DELETEs); at most one at a time per Gameye id.
  void delete_detached(const std::string& uuid, std::string_view why);
  void on_detached_answer(const std::string& uuid, const HttpResponse& response);
  void arm_probe();
  void probe();

  static void on_session_timer(TimerNode* node);
  static void on_probe_timer(TimerNode* node);
  static void on_listing_timer(TimerNode* node);
  static void on_liveness_timer(TimerNode* node);
  static void on_cooled(TimerNode* node);

  std::vector<GameServerInfo> servers_;
  GameyeOptions options_;
  std::unique_ptr<HttpClient> owned_http_;
  HttpClient& http_;
  TimerWheel& timers_;
  Clock now_ms_;
  BackendEvents& events_;
  BackendMetrics& metrics_;
  std::unordered_map<Id128, std::unique_ptr<Session>, Id128Hasher> sessions_;
  std::vector<uint8_t> down_;      // by server: marked down after a 401
  std::vector<CoolDown> cooling_;  // by server; sized once (the wheel holds their addresses)
  OwnerTimer probe_timer_;
  HttpClient::RequestId probe_request_ = 0;
  // A session recover() was given, to report once a listing asked for after it is in: one
  // asked for earlier may predate a launch of the partition's previous owner (cluster mode).
  struct Recovering {
    PlacedSession session;
    uint64_t judged_by = 0;  // the first listing number that may judge it
  };
  std::vector<Recovering> recovering_;
  // The listing number the latest recover() waits for (its orphans included, even with no
  // sessions): recovery lists again until one at least this recent is in.
  uint64_t recovery_listing_ = 0;
  // The fleet's listing (recovery's or the liveness check's), its retries, and how many were
  // sent (each one's number is the count after it).
  Listing listing_for_ = Listing::kNone;
  OwnerTimer listing_timer_;
  HttpClient::RequestId listing_request_ = 0;
  uint32_t listing_retries_ = 0;
  uint64_t listings_sent_ = 0;
  OwnerTimer liveness_timer_;
  std::unordered_map<std::string, HttpClient::RequestId> detached_;  // by Gameye id
  std::unordered_map<std::string, OwedDelete> owed_;                 // by Gameye id
  std::mt19937_64 rng_;
};

}  // namespace ringside

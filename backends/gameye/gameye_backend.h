#pragma once
// The Gameye fleet (--backend gameye): game sessions on Gameye's hosted platform, through its
// session API (backends/gameye/gameye_api.h) over the I/O core's HttpClient. Each configured
// location is one logical game server; images are hosted, so every server "has" every image.
//
// A launch is POST /session under a UUID derived from ringside's session id, so a retry after
// a timeout (or a ringside restart) names the same Gameye session: 409 then means "ours
// already", confirmed with GET /session/{id}. Timeouts, 429 and 5xx are retried with
// exponential backoff and jitter under the same id, a failed start (420) once under the next
// id; 401 marks the location down (probed until the token works); 404 and 422 end the launch.
// A stop is DELETE /session/{id} (404 is fine), also while a launch is under way: a POST still
// in flight is let finish and the DELETE repeated if it may have started the session after
// the first DELETE. Gameye's public API offers no per-session CPU or memory figures, so a stop
// reports them unknown (NaN).
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

#include "backends/backend.h"
#include "backends/gameye/gameye_api.h"
#include "backends/http/http_client.h"
#include "core/timer_wheel.h"

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
  uint64_t seed = 1;                   // of the jitter
};

class GameyeBackend final : public Backend {
 public:
  using Clock = std::function<uint64_t()>;  // ms, the clock `timers` is advanced with

  // `http` must outlive the backend; `owned_http`, when given, is it and is kept alive here.
  GameyeBackend(std::vector<GameServerInfo> servers, GameyeOptions options, HttpClient& http,
                TimerWheel& timers, Clock now_ms, BackendEvents& events,
                std::unique_ptr<HttpClient> owned_http = nullptr);
  ~GameyeBackend() override;
  GameyeBackend(const GameyeBackend&) = delete;
  GameyeBackend& operator=(const GameyeBackend&) = delete;

  std::string_view name() const override { return "gameye"; }
  const std::vector<GameServerInfo>& servers() const override { return servers_; }
  bool has_image(uint32_t server, std::string_view) const override {
    return server < servers_.size();
  }
  void start(const StartSpec& spec) override;
  void stop(const Id128& session) override;
  void recover(std::vector<RecoveredSession> sessions) override;

  // Sessions started (or adopted) and not yet ended.
  size_t session_count() const { return sessions_.size(); }
  // Where a running session's game listens (Gameye's host and first host port).
  std::optional<Endpoint> endpoint(const Id128& session) const;

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
    uint32_t server = 0;
    uint32_t attempt = 0;  // of the Gameye id: 1 after a failed start
    std::string uuid;      // gameye_session_uuid(id, attempt)
    State state = State::kLaunching;
    Call next = Call::kLaunch;  // kWaiting: what the timer sends
    uint32_t retries = 0;       // transient failures of this launch (or stop) so far
    bool retried_failed_start = false;
    SessionError error = SessionError::kNone;  // kFailing
    Endpoint endpoint;
    // In-flight requests (0: none). A stop may overlap its DELETE with the launch's POST.
    HttpClient::RequestId request = 0;
    HttpClient::RequestId delete_request = 0;
    // kStopping: whether Gameye confirmed the session gone (204, 409), and whether a POST
    // answered after the last DELETE was sent in a way that may have started the session.
    bool gone = false;
    bool launch_landed_after_delete = false;
    uint32_t deletes = 0;
  };

  struct OwnerTimer : TimerNode {
    GameyeBackend* backend = nullptr;
  };

  Session* find(const Id128& id);
  HttpRequest request(std::string_view method, std::string path, std::string body = {}) const;
  HttpClient::RequestId send(Session& s, Call call);
  void send_launch(Session& s);
  void send_describe(Session& s);
  void send_delete(Session& s);
  void on_answer(const Id128& id, Call call, HttpResponse&& response);
  void on_launch_answer(Session& s, const HttpResponse& response);
  void on_describe_answer(Session& s, const HttpResponse& response);
  void on_delete_answer(Session& s, const HttpResponse& response);
  void send_listing();
  void on_listing(const HttpResponse& response);
  // Reports every session recover() was given, from what Gameye lists (or, when it could not
  // be asked, adopts them all).
  void reconcile(const std::vector<ListedSession>* listed);
  // Backs off before `call` again; false when the retries are used up.
  bool retry_later(Session& s, Call call);
  // A failed start (420, or a 409 that turned out dead): once more under the next id.
  void failed_start(Session& s);
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
  // DELETE for a session no one waits for (orphans, launches given up after timeouts).
  void delete_detached(const std::string& uuid, std::string_view why);
  void arm_probe();
  void probe();

  static void on_session_timer(TimerNode* node);
  static void on_probe_timer(TimerNode* node);
  static void on_listing_timer(TimerNode* node);

  std::vector<GameServerInfo> servers_;
  GameyeOptions options_;
  std::unique_ptr<HttpClient> owned_http_;
  HttpClient& http_;
  TimerWheel& timers_;
  Clock now_ms_;
  BackendEvents& events_;
  std::unordered_map<Id128, std::unique_ptr<Session>, Id128Hasher> sessions_;
  std::vector<uint8_t> down_;  // by server: marked down after a 401
  OwnerTimer probe_timer_;
  HttpClient::RequestId probe_request_ = 0;
  // recover(): the sessions to report once the listing is in, and its retries.
  std::vector<RecoveredSession> recovering_;
  OwnerTimer listing_timer_;
  HttpClient::RequestId listing_request_ = 0;
  uint32_t listing_retries_ = 0;
  std::unordered_set<HttpClient::RequestId> detached_;  // delete_detached() requests
  std::mt19937_64 rng_;
};

}  // namespace ringside

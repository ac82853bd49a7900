#pragma once
// The Gameye backend's tests against the stand-in (tools/gameye-standin) as a real process over
// real HTTP: a backend built on a reactor driven from the test's thread, its events recorded,
// and the stand-in's view read back (GET /session/{id}, /_standin/stats).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "backend/support/placed_sessions.h"
#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "backends/gameye/gameye_backend.h"
#include "integration/gameye_standin_process.h"
#include "model/partition.h"

namespace ringside::gameye_test {

inline constexpr std::string_view kToken = "gameye-test-token";

// A player whose partition is not `player`'s (cluster tests: one served, the other not).
inline std::string player_in_another_partition(std::string_view player) {
  for (int i = 2;; ++i) {
    std::string other = "player-" + std::to_string(i);
    if (partition_of_player(other) != partition_of_player(player)) return other;
  }
}

// A session of the Gameye tests, and what placement hands the backend for it.
struct TestSession {
  Id128 id = random_id128();
  std::string text = id_to_string(IdKind::kSession, IdOwner{}, id);
  std::string image = "nginx:1.27";
  std::string player = "player-1";  // its ringside.player label: the partition it is in
  std::string uuid(uint32_t attempt = 0) const { return gameye_session_uuid(id, attempt); }

  PlacedSession spec() const {
    PlacedSession s = test_session(id, Id128{1, 2}, 0);
    s.player_id = player;
    s.game_slug = "tlon-uqbar";
    s.image = image;
    return s;
  }
  // As placement hands it to recover(): a start cut short has no server in the store.
  PlacedSession recovered(bool was_running) const {
    PlacedSession r = spec();
    r.server = was_running ? 0 : kUnknownServer;
    r.was_running = was_running;
    return r;
  }
};

class GameyeBackendTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- events ----\n"
                << events_.describe() << "---- stand-in log ----\n"
                << standin_.log();
    }
  }

  ::testing::AssertionResult start_standin(std::initializer_list<std::string> extra = {}) {
    std::vector<std::string> args = {"--token", std::string(kToken), "--locations",
                                     "europe,us-east"};
    args.insert(args.end(), extra.begin(), extra.end());
    return standin_.start(args);
  }

  GameyeOptions options(std::string_view token = kToken) const {
    GameyeOptions o;
    o.base_url = standin_.base_url();
    o.token = std::string(token);
    o.locations = {"europe", "us-east"};
    o.timeout_ms = 2000;
    o.retries = 3;
    o.retry_base_ms = 20;
    o.retry_cap_ms = 200;
    return o;
  }

  // One server per location, each with `slots` (--gameye-slots-per-location).
  std::unique_ptr<GameyeBackend> make(GameyeOptions o, uint32_t slots = 10) {
    std::vector<GameServerInfo> servers;
    for (const std::string& location : o.locations) {
      GameServerInfo s;
      s.name = location;
      s.url_base = o.base_url;
      s.slots = slots;
      servers.push_back(s);
    }
    Reactor& reactor = driver_.reactor();
    return std::make_unique<GameyeBackend>(
        std::move(servers), std::move(o), http_, reactor.timers(),
        [&reactor] { return reactor.now_ms(); }, events_, metrics_);
  }

  // run_until() for conditions that ask the stand-in: get() turns the loop itself, and
  // run_until() does not nest.
  bool eventually(const std::function<bool()>& done,
                  std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= until) return false;
      driver_.run_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  bool settle(const TestSession& s) {
    return driver_.run_until([&] { return events_.settled(s.id); });
  }

  // GET target on the stand-in; the parsed body (kept in parser_) or a null element.
  simdjson::dom::element get(const std::string& target) {
    HttpRequest r;
    r.url = standin_.base_url() + target;
    r.headers = {"Authorization: Bearer " + std::string(kToken)};
    bool done = false;
    http_.send(std::move(r), [&](HttpResponse&& response) {
      body_ = std::move(response.body);
      done = true;
    });
    EXPECT_TRUE(driver_.run_until([&] { return done; }));
    simdjson::dom::element root;
    if (parser_.parse(body_).get(root) != simdjson::SUCCESS) ADD_FAILURE() << body_;
    return root;
  }
  // A number from /_standin/stats: {"requests": {endpoint: {outcome: n}}, "sessions": {...},
  // "launchesById": {id: n}}; 0 when absent.
  uint64_t stat(std::string_view a, std::string_view b, std::string_view c = {}) {
    // Without exceptions: a key the stand-in has not counted yet is absent, which reads 0.
    simdjson::simdjson_result<simdjson::dom::element> e = get("/_standin/stats")[a][b];
    if (!c.empty()) e = e[c];
    uint64_t n = 0;
    return e.get(n) == simdjson::SUCCESS ? n : 0;
  }
  uint64_t posts(std::string_view outcome) { return stat("requests", "POST /session", outcome); }
  uint64_t deletes(std::string_view outcome) {
    return stat("requests", "DELETE /session/{id}", outcome);
  }
  uint64_t sessions(std::string_view which) { return stat("sessions", which); }
  uint64_t listings(std::string_view outcome) { return stat("requests", "GET /session", outcome); }
  // Makes a running session end at the stand-in without a DELETE (exited, dead,
  // server_unreachable, vanished); the status of the answer.
  long befall(const std::string& uuid, std::string_view outcome) {
    HttpRequest r;
    r.method = "POST";
    r.url = standin_.base_url() + "/_standin/session/" + uuid + "/" + std::string(outcome);
    long status = -1;
    http_.send(std::move(r), [&](HttpResponse&& response) { status = response.status; });
    EXPECT_TRUE(driver_.run_until([&] { return status != -1; }));
    return status;
  }
  std::string status_at_gameye(const TestSession& s) {
    std::string_view status;
    return get("/session/" + s.uuid())["status"].get(status) == simdjson::SUCCESS
               ? std::string(status)
               : std::string();
  }
  // Starts `s` and waits until it runs.
  ::testing::AssertionResult run(GameyeBackend& backend, const TestSession& s) {
    backend.start(s.spec());
    if (!settle(s) || !events_.has_running(s.id)) {
      return ::testing::AssertionFailure() << s.text << " does not run";
    }
    return ::testing::AssertionSuccess();
  }
  uint64_t launches_of(const std::string& uuid) { return stat("launchesById", uuid); }
  // Where Gameye has (or had) the session of this id, and its status there.
  std::string location_at_gameye(const std::string& uuid) {
    std::string_view location;
    return get("/session/" + uuid)["location"].get(location) == simdjson::SUCCESS
               ? std::string(location)
               : std::string();
  }
  std::string status_of(const std::string& uuid) {
    std::string_view status;
    return get("/session/" + uuid)["status"].get(status) == simdjson::SUCCESS ? std::string(status)
                                                                              : std::string();
  }
  // The labels a launch sent, as Gameye shows them in either shape (--label-shape): the JSON
  // text under "tags", parsed (tagged), or the map itself (flat).
  simdjson::dom::element labels_of(simdjson::dom::element session) {
    std::string_view tags;
    if (session["labels"]["tags"].get(tags) != simdjson::SUCCESS) return session["labels"];
    simdjson::dom::element labels;
    if (tags_parser_.parse(std::string(tags)).get(labels) != simdjson::SUCCESS) {
      ADD_FAILURE() << tags;
    }
    return labels;
  }

  itest::GameyeStandinProcess standin_;
  ReactorDriver driver_;
  HttpClient http_{driver_.reactor()};
  RecordingEvents events_;
  BackendMetrics metrics_;
  simdjson::dom::parser parser_;
  simdjson::dom::parser tags_parser_;
  std::string body_;
};

}  // namespace ringside::gameye_test

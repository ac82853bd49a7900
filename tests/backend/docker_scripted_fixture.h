#pragma once
// The Docker backend against a scripted engine (support/fake_docker_engine.h), the fixture of
// docker_scripted_test.cc and docker_cluster_scripted_test.cc. The engine keeps one rule of a
// real one that the backend's slots rest on: a name is held by one container at a time (a
// second create of it answers 409) until that container is removed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backend/support/fake_docker_engine.h"
#include "backend/support/placed_sessions.h"
#include "backend/support/reactor_driver.h"
#include "backend/support/recording_events.h"
#include "backends/docker/docker_backend.h"
#include "model/ids.h"

namespace ringside {

// RecordingEvents, plus what a backend says to placement about a shared engine.
struct ClusterEvents : RecordingEvents {
  void on_server_foreign(uint32_t server, ForeignUse use) override {
    foreign.emplace_back(server, use);
    order.push_back("foreign");
  }
  void on_no_room(const Id128& session) override {
    no_room.push_back(session);
    order.push_back("no_room");
  }
  // The last foreign use reported for `server` (none: nothing reported yet).
  std::optional<ForeignUse> last_foreign(uint32_t server) const {
    for (auto it = foreign.rbegin(); it != foreign.rend(); ++it) {
      if (it->first == server) return it->second;
    }
    return std::nullopt;
  }
  bool got_no_room(const Id128& session) const {
    return std::find(no_room.begin(), no_room.end(), session) != no_room.end();
  }
  std::vector<std::pair<uint32_t, ForeignUse>> foreign;
  std::vector<Id128> no_room;
  std::vector<std::string> order;  // "foreign" and "no_room", as they came
};

class DockerScriptedTest : public testing::Test {
 protected:
  using Call = FakeDockerEngine::Call;
  using Reply = FakeDockerEngine::Reply;

  void TearDown() override {
    backend_.reset();
    engine_.reset();
    std::filesystem::remove_all(save_root_);
  }

  // One engine, declared with 16 cores, 4 GiB and `slots` (its /info says 2 and 2 GiB).
  void make_backend(FakeDockerEngine::Handler handler, uint32_t slots = 8,
                    DockerOptions o = DockerOptions()) {
    engine_ = std::make_unique<FakeDockerEngine>(std::move(handler));
    DockerEngine e;
    e.info.name = "d1";
    e.info.url_base = "http://127.0.0.1";
    e.info.cpu_millicores = 16'000;
    e.info.memory_mb = 4096;
    e.info.slots = slots;
    e.address = engine_->address();
    std::vector<DockerEngine> engines;
    engines.push_back(std::move(e));
    o.save_root = save_root_;
    backend_ = std::make_unique<DockerBackend>(std::move(engines), o, driver_.reactor(), events_,
                                               metrics_);
  }

  // A healthy engine (FakeDockerEngine::healthy) whose containers hold their names: a create
  // of a name in use answers 409, a remove frees it. The container's id is its name and its
  // ringside.session label, so that a call about it names its session.
  Reply engine(const Call& c) {
    if (c.method == "POST" && c.target.starts_with("/containers/create?name=")) {
      const std::string name = c.target.substr(c.target.find("name=") + 5);
      std::lock_guard lock(names_mu_);
      if (names_.contains(name)) {
        return {409, R"({"message":"Conflict. The container name \"/)" + name +
                         R"(\" is already in use"})"};
      }
      const std::string id = name + "." + label_in(c.body, "ringside.session");
      names_[name] = id;
      limits_[id] = R"(,"ringside.cpu_millicores":")" +
                    label_in(c.body, "ringside.cpu_millicores") + R"(","ringside.memory_mb":")" +
                    label_in(c.body, "ringside.memory_mb") + "\"";
      return {201, "{\"Id\":\"" + id + "\"}"};
    }
    if (c.method == "DELETE" && c.target.starts_with("/containers/")) {
      const std::string id = c.target.substr(12, c.target.find('?') - 12);
      std::lock_guard lock(names_mu_);
      std::erase_if(names_, [&](const auto& n) { return n.second == id; });
      std::erase_if(others_,
                    [&](const auto& o) { return o.starts_with("{\"Id\":\"" + id + "\""); });
    }
    if (c.method == "GET" && c.target.starts_with("/containers/json")) return {200, listing()};
    return FakeDockerEngine::healthy(c);
  }

  // The listing: the containers the backend created (running, player p-test, the limits it
  // asked for as labels), then others_.
  std::string listing() {
    std::lock_guard lock(names_mu_);
    std::string out = "[";
    for (const auto& [name, id] : names_) {
      const size_t dot = id.find('.');
      if (dot == std::string::npos) continue;  // a stranger's, unlabelled
      if (out.size() > 1) out += ',';
      out += listed(id, name, id.substr(dot + 1), "p-test", "running", limits_[id]);
    }
    for (const std::string& other : others_) {
      if (out.size() > 1) out += ',';
      out += other;
    }
    return out + "]";
  }

  // A labelled container made by someone else, listed until it is removed; its id (no dot in
  // it) holds its name. `extra`: more labels, ",\"k\":\"v\"".
  void add_other(const std::string& id, const std::string& name, const std::string& session,
                 const std::string& player, const std::string& extra = "") {
    std::lock_guard lock(names_mu_);
    names_[name] = id;
    others_.push_back(listed(id, name, session, player, "running", extra));
  }

  // A name held on the engine by a container the backend cannot see (no ringside label).
  void hold_name(const std::string& name) {
    std::lock_guard lock(names_mu_);
    names_[name] = "stranger-" + name;
  }

  std::map<std::string, std::string> names() {
    std::lock_guard lock(names_mu_);
    return names_;
  }

  static std::string label_in(const std::string& body, const std::string& label) {
    const std::string key = "\"" + label + "\":\"";
    const size_t at = body.find(key);
    if (at == std::string::npos) return {};
    const size_t start = at + key.size();
    return body.substr(start, body.find('"', start) - start);
  }

  struct Launch {
    Id128 id = random_id128();
    std::string text = id_to_string(IdKind::kSession, IdOwner{}, id);
  };

  void start(const Launch& l, uint32_t cpu_millicores = 1000) {
    PlacedSession spec = test_start(l.id, random_id128(), 0, "registry.test/game:1");
    spec.cpu_millicores = cpu_millicores;
    backend_->start(std::move(spec));
  }

  // A container as the engine's listing gives it: `session`'s, of `player`, named `name`.
  static std::string listed(const std::string& id, const std::string& name,
                            const std::string& session, const std::string& player,
                            const std::string& state = "running", const std::string& extra = "") {
    std::string labels = R"({"ringside.session":")" + session + "\"";
    if (!player.empty()) labels += R"(,"ringside.player":")" + player + "\"";
    return R"({"Id":")" + id + R"(","Names":["/)" + name + R"("],"Labels":)" + labels + extra +
           R"(},"State":")" + state + "\"}";
  }

  static bool about(const Call& c, const Launch& l, std::string_view what) {
    return c.target.find(l.text) != std::string::npos && c.target.find(what) != std::string::npos;
  }

  size_t count_about(std::string_view method, const Launch& l, std::string_view what) const {
    size_t n = 0;
    for (const Call& c : engine_->calls()) n += c.method == method && about(c, l, what);
    return n;
  }

  // The bodies of the create calls for `l`'s container, in order.
  std::vector<std::string> create_bodies(const Launch& l) const {
    std::vector<std::string> out;
    for (const Call& c : engine_->calls()) {
      if (c.method == "POST" && c.target.starts_with("/containers/create") &&
          label_in(c.body, "ringside.session") == l.text) {
        out.push_back(c.body);
      }
    }
    return out;
  }

  // The names the create calls for `l` asked for, in order.
  std::vector<std::string> create_names(const Launch& l) const {
    std::vector<std::string> out;
    for (const Call& c : engine_->calls()) {
      if (c.method == "POST" && c.target.starts_with("/containers/create") &&
          label_in(c.body, "ringside.session") == l.text) {
        out.push_back(c.target.substr(c.target.find("name=") + 5));
      }
    }
    return out;
  }

  std::string created_body(const Launch& l) const {
    std::vector<std::string> bodies = create_bodies(l);
    return bodies.empty() ? "(not created)" : bodies.back();
  }

  std::string save_root_ =
      testing::TempDir() + "/ringside-scripted-saves-" + std::to_string(getpid());
  ReactorDriver driver_;
  ClusterEvents events_;
  BackendMetrics metrics_;
  std::mutex names_mu_;
  std::map<std::string, std::string> names_;   // name -> container id
  std::vector<std::string> others_;            // listed() entries
  std::map<std::string, std::string> limits_;  // container id -> its limit labels
  std::unique_ptr<FakeDockerEngine> engine_;
  std::unique_ptr<DockerBackend> backend_;
};

}  // namespace ringside

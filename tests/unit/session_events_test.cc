// What the I/O core reports to a shard is input of unknown origin: a phase or running report
// naming a server past the fleet is refused (counted and logged as malformed) and the session
// keeps what it had, since its server is later read as runtime.servers[s.server].
#include "api/session_events.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "api/player_api.h"
#include "app/process.h"
#include "core/message_bus.h"
#include "core/reactor.h"
#include "model/messages.h"

namespace ringside {
namespace {

constexpr uint32_t kShard = 0;
constexpr uint32_t kIo = 1;

void no_reply(void*, ReplyTarget, Reply&) {}

Config one_shard() {
  Config c;
  c.shards = 1;
  return c;
}

std::vector<GameServerInfo> two_servers() {
  std::vector<GameServerInfo> fleet(2);
  fleet[0].name = "gs01";
  fleet[0].url_base = "https://gs01.test";
  fleet[1].name = "gs02";
  fleet[1].url_base = "https://gs02.test";
  return fleet;
}

Reactor::Options small() {
  Reactor::Options o;
  o.sq_entries = 8;
  o.cq_entries = 16;
  return o;
}

class SessionEventsTest : public ::testing::Test {
 protected:
  SessionEventsTest() {
    SessionStore& store = api_.sessions();
    session_ = &store.session(
        store.create(store.find_or_add_player("player-1"), 0, Id128{1, 2}, IdOwner{}));
  }

  // Sends `m` from the I/O core to the shard; true if the shard took it as well-formed.
  template <class T>
  bool deliver(const T& m) {
    const uint64_t malformed = reactor_.mailbox().malformed_total();
    io_.send(kShard, m);
    EXPECT_EQ(reactor_.mailbox().dispatch(100), 1u);
    return reactor_.mailbox().malformed_total() == malformed;
  }

  Process process_{one_shard(), Catalog::demo(), two_servers(), TokenMinter::random_secret()};
  const Runtime& runtime_ = process_.runtime();
  PlayerMetrics metrics_{};
  MessageBus bus_{2, 64 * 1024};
  Reactor reactor_{bus_, kShard, small()};
  Mailbox io_{bus_, kIo};
  PlayerApi api_{runtime_, reactor_, metrics_, Responder{&no_reply, nullptr}};
  GameSession* session_ = nullptr;
};

TEST_F(SessionEventsTest, APhaseOnAServerPastTheFleetIsRefused) {
  EXPECT_FALSE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, 2}));
  EXPECT_FALSE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, UINT32_MAX}));
  EXPECT_EQ(session_->phase, StartPhase::kQueued);
  EXPECT_EQ(session_->server, 0u);

  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, 1}));
  EXPECT_EQ(session_->phase, StartPhase::kCreating);
  EXPECT_EQ(session_->server, 1u);
}

TEST_F(SessionEventsTest, RunningOnAServerPastTheFleetIsRefused) {
  EXPECT_FALSE(deliver(SessionRunning{session_->id, 2}));
  EXPECT_EQ(session_->status, SessionStatus::kStarting);
  EXPECT_EQ(session_->server, 0u);

  EXPECT_TRUE(deliver(SessionRunning{session_->id, 1}));
  EXPECT_EQ(session_->status, SessionStatus::kRunning);
  EXPECT_EQ(session_->server, 1u);
}

}  // namespace
}  // namespace ringside

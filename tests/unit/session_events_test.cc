// What the I/O core reports to a shard is input of unknown origin: a phase or running report
// naming a server past the fleet is refused (counted and logged as malformed) and the session
// keeps what it had, since its server is later read as runtime.servers[s.server].
#include "api/session_events.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/player_api.h"
#include "api/routes.h"
#include "app/process.h"
#include "core/message_bus.h"
#include "core/reactor.h"
#include "model/ids.h"
#include "model/messages.h"
#include "store/durable/write_intent.h"

namespace ringside {
namespace {

constexpr uint32_t kShard = 0;
constexpr uint32_t kIo = 1;

// Keeps the body of each answer sent later (a held one: the operator's details of a placed
// session wait for the backend's id).
void keep_reply(void* ctx, ReplyTarget, Reply& reply) {
  static_cast<std::vector<std::string>*>(ctx)->emplace_back(reply.body_view());
}

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

Config one_durable_shard() {
  Config c = one_shard();
  c.database_url = "postgresql://unused.test/ringside";  // writes are only sent, never run
  return c;
}

Reactor::Options small() {
  Reactor::Options o;
  o.sq_entries = 8;
  o.cq_entries = 16;
  return o;
}

class SessionEventsTest : public ::testing::Test {
 protected:
  SessionEventsTest() : SessionEventsTest(one_shard()) {}
  explicit SessionEventsTest(Config config)
      : process_(std::move(config), Catalog::demo(), two_servers(), TokenMinter::random_secret()) {
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

  Process process_;
  const Runtime& runtime_ = process_.runtime();
  PlayerMetrics metrics_{};
  MessageBus bus_{2, 64 * 1024};
  Reactor reactor_{bus_, kShard, small()};
  Mailbox io_{bus_, kIo};
  std::vector<std::string> later_answers_;
  PlayerApi api_{runtime_, reactor_, metrics_, Responder{&keep_reply, &later_answers_}};
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

// How the start got its container (docs/warm-pools.md, "Visibility") is kept from the running
// report; a later report of the same session (adopted after a restart: kUnknown) keeps it.
TEST_F(SessionEventsTest, RunningRecordsHowItsContainerWasGot) {
  EXPECT_EQ(session_->start_kind, StartKind::kUnknown);
  EXPECT_TRUE(deliver(SessionRunning{session_->id, 1, StartKind::kWarm}));
  EXPECT_EQ(session_->start_kind, StartKind::kWarm);
  EXPECT_TRUE(deliver(SessionRunning{session_->id, 1, StartKind::kUnknown}));
  EXPECT_EQ(session_->start_kind, StartKind::kWarm);
}

// GET /operator/sessions/{id}: `startKind` null until running, then the kind the running report
// carried — on the answer held for the backend's id while active, and after its end.
TEST_F(SessionEventsTest, OperatorDetailsShowTheStartKind) {
  char id[kIdTextLength];
  format_id(IdKind::kSession, session_->owner, session_->id, id);
  PlayerCall call;
  call.route = kRouteOperatorSession;
  call.param = std::string_view(id, sizeof id);
  ByteBuffer buf;
  auto details = [&] {
    Reply reply(buf);
    EXPECT_TRUE(api_.handle(call, ReplyTarget{kShard, {}}, reply));
    EXPECT_EQ(reply.status(), 200);
    return std::string(reply.body_view());
  };
  EXPECT_NE(details().find("\"startKind\":null"), std::string::npos);

  EXPECT_TRUE(deliver(SessionRunning{session_->id, 1, StartKind::kPulled}));
  Reply held(buf);
  EXPECT_FALSE(api_.handle(call, ReplyTarget{kShard, {}}, held));  // asks for the container id
  bool asked = false;
  io_.drain(
      [&](uint32_t, uint16_t kind, const void*, uint32_t) { asked |= kind == kMsgBackendIdQuery; },
      100);
  ASSERT_TRUE(asked);
  EXPECT_TRUE(deliver(BackendIdReply{session_->id, ReplyTarget{kShard, {}}, "c0ffee"}));
  ASSERT_EQ(later_answers_.size(), 1u);
  EXPECT_NE(later_answers_[0].find("\"startKind\":\"pulled\""), std::string::npos)
      << later_answers_[0];

  EXPECT_TRUE(deliver(SessionStopped{session_->id, SessionFigures{1, 2, 0}}));
  const std::string ended = details();
  EXPECT_NE(ended.find("\"status\":\"stopped\""), std::string::npos) << ended;
  EXPECT_NE(ended.find("\"startKind\":\"pulled\""), std::string::npos) << ended;
}

// The same, with the durable store: the status row is written as the I/O core would run it.
class DurableSessionEventsTest : public SessionEventsTest {
 protected:
  DurableSessionEventsTest() : SessionEventsTest(one_durable_shard()) {}

  // The server column of every session status row sent to the I/O core since the last call
  // ("<null>" when the row names none), in order.
  std::vector<std::string> status_rows_servers() {
    std::vector<std::string> servers;
    io_.drain(
        [&](uint32_t, uint16_t kind, const void* payload, uint32_t len) {
          if (kind != kMsgStoreWrite) return;
          StoreWrite w;
          EXPECT_TRUE(
              StoreWrite::decode(std::string_view(static_cast<const char*>(payload), len), &w));
          WriteIntentReader reader;
          EXPECT_TRUE(reader.parse(w.intent));
          PgParams params;
          reader.for_each(params, [&](StatementId id, const PgParams& p) {
            if (id != kStmtUpdateSession) return;
            const char* server = p.values()[3];  // id, status, phase, server, ...
            servers.emplace_back(server ? server : "<null>");
          });
        },
        100);
    return servers;
  }
};

// No room on the first server it was creating on, placed straight into creating on another:
// the row must name the second, or recovery after a crash looks for the container on the first
// (docs/docker-backend.md, "Engines, listings, recovery").
TEST_F(DurableSessionEventsTest, CreatingOnAnotherServerIsWritten) {
  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, 0}));
  EXPECT_EQ(status_rows_servers(), std::vector<std::string>{"gs01"});

  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, 1}));
  EXPECT_EQ(session_->server, 1u);
  EXPECT_EQ(status_rows_servers(), std::vector<std::string>{"gs02"});

  // The same phase on the same server again changes nothing: no write.
  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kCreating, 1}));
  EXPECT_TRUE(status_rows_servers().empty());

  // Back to the queue (the server it names does not matter): written once, naming none.
  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kQueued, 0, 7}));
  EXPECT_EQ(status_rows_servers(), std::vector<std::string>{"<null>"});
  EXPECT_TRUE(deliver(SessionPhaseUpdate{session_->id, StartPhase::kQueued, 1, 8}));
  EXPECT_TRUE(status_rows_servers().empty());
}

}  // namespace
}  // namespace ringside

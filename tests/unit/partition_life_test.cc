// A partition's life on its shard (docs/cluster.md, "A partition on its shard"), driven by the
// I/O core's messages as a node in a cluster receives them: a shard answers a player only while
// it serves the player's partition and its lease holds; a release answers 503 with Retry-After
// from then on, answers what waited, forgets the partition's records and tells the I/O core,
// after the partition's writes; the rows again bring the same answers back.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "api/player_api.h"
#include "api/routes.h"
#include "app/process.h"
#include "core/message_bus.h"
#include "core/reactor.h"
#include "model/messages.h"
#include "model/partition.h"
#include "model/token_hash.h"
#include "model/token_minter.h"
#include "store/durable/write_intent.h"

namespace ringside {
namespace {

constexpr uint32_t kShard = 0;
constexpr uint32_t kIo = 1;

struct Answer {
  uint16_t status = 0;
  std::string headers;
  std::string body;
};

void record(void* ctx, ReplyTarget, Reply& reply) {
  static_cast<std::vector<Answer>*>(ctx)->push_back(
      {reply.status(), std::string(reply.extra_headers()), std::string(reply.body_view())});
}

// A player id whose partition is `partition`.
std::string player_in(uint16_t partition) {
  for (int i = 0;; ++i) {
    std::string id = "player-" + std::to_string(i);
    if (partition_of_player(id) == partition) return id;
  }
}

Reactor::Options small() {
  Reactor::Options o;
  o.sq_entries = 8;
  o.cq_entries = 16;
  return o;
}

Config cluster_node(std::string database_url = "") {
  Config c;
  c.shards = 1;
  c.node_id = "node-a";
  c.database_url = std::move(database_url);
  return c;
}

std::vector<GameServerInfo> one_server() {
  std::vector<GameServerInfo> fleet(1);
  fleet[0].name = "gs01";
  fleet[0].url_base = "https://gs01.test";
  return fleet;
}

Config one_node() {
  Config c;
  c.shards = 1;
  return c;
}

// One player of the partition with a token, a running session and a save slot, as the I/O
// core reads them from the database; its token names the partition, as ids do.
struct PartitionPlayer {
  PartitionPlayer(uint16_t p, const TokenMinter& minter, int64_t now_unix_ms)
      : partition(p), player(player_in(p)), seed(random_id128()), session(random_id128()) {
    char text[kIdTextLength];
    minter.mint(seed, 0, IdOwner::partition(partition), text);
    token.assign(text, kIdTextLength);
    session_text = id_to_string(IdKind::kSession, IdOwner::partition(partition), session);
    now_ms = now_unix_ms;
  }

  ShardState* rows() const {
    auto* s = new ShardState;
    s->players.push_back(player);
    LoadedToken t;
    t.seed = seed;
    t.player_id = player;
    t.game = kAnyGame;
    t.current = hash_token(token);
    t.expires_ms = now_ms - written_ago_ms + int64_t{3600} * 1000;
    s->tokens.push_back(t);
    LoadedSlot slot;
    slot.player_id = player;
    slot.owner = IdOwner::partition(partition);
    slot.id = Id128{7, 7};
    slot.created_ms = slot.updated_ms = now_ms - 60000;
    slot.size_bytes = 4096;
    s->slots.push_back(slot);
    LoadedSession ls;
    ls.player_id = player;
    ls.id = session;
    ls.owner = IdOwner::partition(partition);
    ls.slot = slot.id;
    ls.slot_owner = IdOwner::partition(partition);
    ls.status = SessionStatus::kRunning;
    ls.has_server = true;
    ls.phase = StartPhase::kCreating;
    ls.started_ms = now_ms - 30000;
    ls.running_ms = now_ms - 20000;
    ls.last_keepalive_ms = now_ms - written_ago_ms;
    s->sessions.push_back(ls);
    return s;
  }

  uint16_t partition;
  std::string player;
  Id128 seed;
  Id128 session;
  std::string token;
  std::string session_text;
  int64_t now_ms = 0;
  // How long before now its token was last used and its session kept alive, as the rows say.
  int64_t written_ago_ms = 0;
};

class PartitionLifeTest : public ::testing::Test {
 protected:
  explicit PartitionLifeTest(const Config& config = cluster_node())
      : process_(config, Catalog::demo(), one_server(), TokenMinter::random_secret()) {}

  // Sends `m` from the I/O core to the shard; true if the shard took it as well-formed.
  template <class T>
  bool deliver(const T& m) {
    const uint64_t malformed = reactor_.mailbox().malformed_total();
    io_.send(kShard, m);
    EXPECT_EQ(reactor_.mailbox().dispatch(100), 1u);
    return reactor_.mailbox().malformed_total() == malformed;
  }

  void load(const PartitionPlayer& p) {
    ASSERT_TRUE(deliver(PartitionRows{p.rows(), p.partition}));
    ASSERT_TRUE(deliver(PartitionServe{p.partition}));
  }

  // The kinds of the messages the shard sent the I/O core since the last call.
  std::vector<uint16_t> sent_to_io() {
    std::vector<uint16_t> kinds;
    io_.drain([&](uint32_t, uint16_t kind, const void*, uint32_t) { kinds.push_back(kind); }, 100);
    return kinds;
  }

  // The lazy writes (statement kStmtTouchSessions or kStmtTouchTokens: ids, times) among the
  // write intents the shard sent the I/O core since the last call; other messages are dropped.
  std::vector<std::vector<std::string>> touches(StatementId statement) {
    std::vector<std::vector<std::string>> rows;
    io_.drain(
        [&](uint32_t, uint16_t kind, const void* data, uint32_t size) {
          if (kind != kMsgStoreWrite) return;
          WriteIntentReader reader;
          ASSERT_TRUE(reader.parse(std::string_view(static_cast<const char*>(data), size)));
          PgParams params;
          reader.for_each(params, [&](StatementId id, const PgParams& p) {
            if (id != statement) return;
            rows.push_back({p.values()[0], p.values()[1]});
          });
        },
        100);
    return rows;
  }

  // A player request as the shard's own connection hands it over; held answers go to held_.
  Answer request(uint16_t route, std::string_view token, std::string_view query,
                 std::string_view body = {}) {
    PlayerCall call;
    call.route = route;
    call.token = token;
    call.query = query;
    call.body = body;
    ByteBuffer buf;
    Reply reply(buf);
    if (!api_.handle(call, ReplyTarget{kShard, {}}, reply)) return Answer{};  // held
    return {reply.status(), std::string(reply.extra_headers()), std::string(reply.body_view())};
  }

  Answer status_poll(const PartitionPlayer& p) {
    return request(kRouteSessionStatus, p.token, "sessionId=" + p.session_text);
  }

  PartitionPlayer player(uint16_t partition) {
    return PartitionPlayer(partition, minter_, reactor_.clock().unix_ms);
  }

  void publish() { api_.publish_metrics(); }
  uint64_t running_gauge() const {
    return metrics_.sessions_by_status[static_cast<int>(SessionStatus::kRunning)].get();
  }

  Process process_;
  const Runtime& runtime_ = process_.runtime();
  TokenMinter minter_{runtime_.token_secret};
  PlayerMetrics metrics_{};
  MessageBus bus_{2, size_t{64} * 1024};
  Reactor reactor_{bus_, kShard, small()};
  Mailbox io_{bus_, kIo};
  std::vector<Answer> held_;
  PlayerApi api_{runtime_, reactor_, metrics_, Responder{&record, &held_}};
};

void expect_not_served(const Answer& a) {
  EXPECT_EQ(a.status, 503) << a.body;
  EXPECT_NE(a.headers.find("Retry-After: 1\r\n"), std::string::npos) << a.headers;
  EXPECT_NE(a.body.find(R"("error":"unavailable")"), std::string::npos) << a.body;
}

TEST_F(PartitionLifeTest, ServedPartitionAnswersAndAReleaseAnswers503AndForgetsIt) {
  const PartitionPlayer a = player(0);
  const PartitionPlayer b = player(5);
  load(a);
  load(b);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));

  const Answer before = status_poll(a);
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_NE(before.body.find(R"("status":"running")"), std::string::npos) << before.body;
  publish();
  EXPECT_EQ(metrics_.token_sessions.get(), 2u);
  EXPECT_EQ(running_gauge(), 2u);

  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  expect_not_served(status_poll(a));
  expect_not_served(request(kRouteSessions, a.token, ""));
  EXPECT_EQ(sent_to_io(), std::vector<uint16_t>{kMsgPartitionReleased});
  // a's player, token session, session and slot are gone; b's are all there and answer.
  EXPECT_EQ(api_.sessions().player_count(), 1u);
  EXPECT_EQ(api_.sessions().session_count(), 1u);
  EXPECT_EQ(api_.tokens().token_sessions(), 1u);
  publish();
  EXPECT_EQ(metrics_.token_sessions.get(), 1u);
  EXPECT_EQ(running_gauge(), 1u);
  EXPECT_EQ(request(kRouteSessions, b.token, "").status, 200);
  EXPECT_EQ(api_.partitions().state(a.partition), PartitionState::kNotServed);
}

TEST_F(PartitionLifeTest, RowsAgainAfterAReleaseBringTheSameAnswersBackWithNothingTwice) {
  const PartitionPlayer a = player(0);
  load(a);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  const Answer first = status_poll(a);
  const Answer first_list = request(kRouteSessions, a.token, "");
  ASSERT_EQ(first.status, 200);
  const size_t memory = api_.sessions().memory_bytes();

  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  // Loading: rows are in, not served yet.
  ASSERT_TRUE(deliver(PartitionRows{a.rows(), a.partition}));
  expect_not_served(status_poll(a));
  ASSERT_TRUE(deliver(PartitionServe{a.partition}));
  const Answer again = status_poll(a);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(request(kRouteSessions, a.token, "").body, first_list.body);

  // Loaded again while served (taken again without a release): still one of each.
  ASSERT_TRUE(deliver(PartitionRows{a.rows(), a.partition}));
  ASSERT_TRUE(deliver(PartitionServe{a.partition}));
  EXPECT_EQ(status_poll(a).body, first.body);
  EXPECT_EQ(request(kRouteSessions, a.token, "").body, first_list.body);
  EXPECT_EQ(api_.sessions().player_count(), 1u);
  EXPECT_EQ(api_.sessions().session_count(), 1u);
  EXPECT_EQ(api_.tokens().token_sessions(), 1u);
  EXPECT_EQ(api_.sessions().memory_bytes(), memory);
}

TEST_F(PartitionLifeTest, AnExpiredLeaseAnswers503WithoutTouchingStateAndARenewalServesAgain) {
  const PartitionPlayer a = player(0);
  load(a);
  // No lease yet: a node serves nothing before its first heartbeat.
  expect_not_served(status_poll(a));
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  const Answer served = status_poll(a);
  ASSERT_EQ(served.status, 200);

  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms()}));  // passed: the heartbeat is late
  expect_not_served(status_poll(a));
  expect_not_served(
      request(kRouteKeepalive, a.token, "", R"({"sessionId":")" + a.session_text + R"("})"));
  EXPECT_EQ(api_.sessions().session_count(), 1u);
  EXPECT_EQ(api_.tokens().token_sessions(), 1u);
  EXPECT_EQ(api_.partitions().state(a.partition), PartitionState::kServed);

  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  EXPECT_EQ(status_poll(a).body, served.body);
}

// A legacy token (spelled with a shard) this node's map does not know: its partition is
// unknown before authentication, so the player's — always known after it — decides.
TEST_F(PartitionLifeTest, ALegacyTokenOfUnknownPartitionIsNotAnsweredFromMemoryPastTheLease) {
  PartitionPlayer a = player(0);
  char text[kIdTextLength];
  minter_.mint(a.seed, 0, IdOwner{0, true}, text);
  a.token.assign(text, kIdTextLength);
  ASSERT_EQ(runtime_.legacy_tokens.size(), 0u);
  load(a);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  ASSERT_EQ(status_poll(a).status, 200);
  ASSERT_EQ(request(kRouteSessions, a.token, "").status, 200);

  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms()}));  // passed
  expect_not_served(status_poll(a));
  expect_not_served(request(kRouteSessions, a.token, ""));
  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  EXPECT_EQ(request(kRouteSessions, a.token, "").status, 401);  // dropped: unknown here now
}

TEST_F(PartitionLifeTest, AReleaseAnswersAPendingStop503) {
  const PartitionPlayer a = player(0);
  load(a);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  const std::string body = R"({"sessionId":")" + a.session_text + R"("})";
  EXPECT_EQ(request(kRouteStop, a.token, "", body).status, 0);  // waits for the I/O core
  EXPECT_EQ(sent_to_io(), std::vector<uint16_t>{kMsgStopSession});
  ASSERT_TRUE(held_.empty());

  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  ASSERT_EQ(held_.size(), 1u);
  expect_not_served(held_[0]);
  EXPECT_EQ(sent_to_io(), std::vector<uint16_t>{kMsgPartitionReleased});
  // The I/O core's report comes too late for anybody here: nothing answered twice.
  ASSERT_TRUE(deliver(SessionStopped{a.session, SessionFigures{1, 2, 0}}));
  EXPECT_EQ(held_.size(), 1u);
}

TEST_F(PartitionLifeTest, AnOperatorLaunchOfAPartitionNotServedIsRefusedAndCreatesNothing) {
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  OperatorLaunchBody launch;
  const std::string id = player_in(3);
  launch.player_id = id;
  PlayerCall call;
  call.route = kRouteOperatorLaunch;
  call.launch = &launch;
  ByteBuffer buf;
  Reply reply(buf);
  ASSERT_TRUE(api_.handle(call, ReplyTarget{kShard, {}}, reply));
  EXPECT_EQ(reply.status(), 503);
  EXPECT_EQ(api_.sessions().player_count(), 0u);
  EXPECT_EQ(api_.tokens().token_sessions(), 0u);

  ASSERT_TRUE(deliver(PartitionServe{3}));  // a partition without rows
  Reply served(buf);
  ASSERT_TRUE(api_.handle(call, ReplyTarget{kShard, {}}, served));
  EXPECT_EQ(served.status(), 200) << served.body_view();
  EXPECT_EQ(api_.tokens().token_sessions(), 1u);
}

// With a database, the partition's writes — the lazy keepalive times too — leave before
// PartitionReleased, and what waits for a commit of the partition is answered with its outcome
// when it comes (the I/O core sends it before it gives the lock up).
class DurablePartitionLifeTest : public PartitionLifeTest {
 protected:
  DurablePartitionLifeTest() : PartitionLifeTest(cluster_node("postgres://unused/db")) {}

  // The player loaded, a keepalive (a lazy write), then a refresh held for its commit, then
  // the partition released.
  // The player's rows say its session was kept alive a second ago, so the keepalive moves it.
  void refresh_then_release(PartitionPlayer a) {
    a.written_ago_ms = 1'000;
    load(a);
    ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
    const std::string body = R"({"sessionId":")" + a.session_text + R"("})";
    ASSERT_EQ(request(kRouteKeepalive, a.token, "", body).status, 200);
    EXPECT_EQ(request(kRouteSessionRefresh, a.token, "").status, 0);  // held
    EXPECT_EQ(sent_to_io(), std::vector<uint16_t>{kMsgStoreWrite});
    ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  }
};

TEST_F(DurablePartitionLifeTest, AReleaseSendsItsWritesFirstAndACommittedRefreshIsAnswered) {
  const PartitionPlayer a = player(0);
  refresh_then_release(a);
  EXPECT_TRUE(held_.empty()) << "answered before its outcome: " << held_[0].body;
  // The keepalive time (the refresh wrote the expiry through), then the answer.
  const std::vector<uint16_t> kinds = sent_to_io();
  ASSERT_GE(kinds.size(), 2u);
  EXPECT_EQ(kinds.back(), kMsgPartitionReleased);
  for (size_t i = 0; i + 1 < kinds.size(); ++i) EXPECT_EQ(kinds[i], kMsgStoreWrite);
  EXPECT_EQ(api_.tokens().token_sessions(), 0u);
  // The refresh committed: the client gets its new token (the next owner loads the same row).
  ASSERT_TRUE(deliver(StoreResult{1, WriteOutcome::kCommitted}));
  ASSERT_EQ(held_.size(), 1u);
  EXPECT_EQ(held_[0].status, 200) << held_[0].body;
  EXPECT_NE(held_[0].body.find(R"("sessionToken":")"), std::string::npos) << held_[0].body;
  EXPECT_EQ(held_[0].body.find(a.token), std::string::npos) << "the old token came back";
  // Nothing more is written for the released partition.
  EXPECT_TRUE(sent_to_io().empty());
}

TEST_F(DurablePartitionLifeTest, ARefusedRefreshHeldAcrossAReleaseIsAnswered503AndWritesNothing) {
  const PartitionPlayer a = player(0);
  refresh_then_release(a);
  sent_to_io();
  ASSERT_TRUE(deliver(StoreResult{1, WriteOutcome::kRefused}));
  ASSERT_EQ(held_.size(), 1u);
  expect_not_served(held_[0]);
  // No undo written: the records are gone and the partition is no longer this node's.
  EXPECT_TRUE(sent_to_io().empty());
  EXPECT_EQ(api_.tokens().token_sessions(), 0u);
}

// A keepalive and a use that moved their times by less than a step (a tenth of the idle
// timeout or token lifetime) are not written by the periodic flush; a release writes them
// anyway, so the next owner reads exactly what this one knew.
TEST_F(DurablePartitionLifeTest, AReleaseWritesAKeepaliveAndAnExpiryMovedByLessThanAStep) {
  PartitionPlayer a = player(0);
  a.written_ago_ms = 1'000;
  PartitionPlayer b = player(5);
  b.written_ago_ms = 1'000;
  load(a);
  load(b);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  const int64_t now = reactor_.clock().unix_ms;
  ASSERT_EQ(
      request(kRouteKeepalive, a.token, "", R"({"sessionId":")" + a.session_text + R"("})").status,
      200);
  ASSERT_EQ(
      request(kRouteKeepalive, b.token, "", R"({"sessionId":")" + b.session_text + R"("})").status,
      200);
  api_.flush_lazy_writes();  // what the 5 s timer does: a second is less than a step
  EXPECT_TRUE(touches(kStmtTouchSessions).empty());

  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  const std::vector<std::vector<std::string>> kept = touches(kStmtTouchSessions);
  // a's keepalive time only: b's partition stays here, and its time with it.
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0][0], "{" + a.session_text + "}");
  EXPECT_EQ(kept[0][1], "{" + std::to_string(now) + "}");
}

TEST_F(DurablePartitionLifeTest, AReleaseWritesATokenExpiryMovedByLessThanAStep) {
  PartitionPlayer a = player(0);
  a.written_ago_ms = 1'000;
  load(a);
  ASSERT_TRUE(deliver(LeaseDeadline{reactor_.now_ms() + 3000}));
  const int64_t now = reactor_.clock().unix_ms;
  ASSERT_EQ(status_poll(a).status, 200);
  api_.flush_lazy_writes();
  EXPECT_TRUE(touches(kStmtTouchTokens).empty());

  ASSERT_TRUE(deliver(PartitionRelease{a.partition}));
  const std::vector<std::vector<std::string>> expiry = touches(kStmtTouchTokens);
  ASSERT_EQ(expiry.size(), 1u);
  EXPECT_EQ(expiry[0][1], "{" + std::to_string(now + int64_t{3600} * 1000) + "}");
}

// One node (no --node-id): every partition served from the start, no lease to wait for.
class OneNodeTest : public PartitionLifeTest {
 protected:
  OneNodeTest() : PartitionLifeTest(one_node()) {}
};

TEST_F(OneNodeTest, EveryPartitionIsServedWithoutALease) {
  const PartitionPlayer a = player(0);
  ShardState* rows = a.rows();
  api_.restore(*rows);
  delete rows;
  EXPECT_EQ(status_poll(a).status, 200);
  EXPECT_EQ(api_.partitions().state(777), PartitionState::kServed);
}

}  // namespace
}  // namespace ringside

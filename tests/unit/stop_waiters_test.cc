#include "api/stop_waiters.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/routes.h"

namespace ringside {
namespace {

struct Sent {
  uint32_t shard;
  uint16_t route;
  uint16_t status;
  std::string body;
};

void record(void* ctx, ReplyTarget target, Reply& reply) {
  static_cast<std::vector<Sent>*>(ctx)->push_back(
      {target.shard, reply.route(), reply.status(), std::string(reply.body_view())});
}

TEST(StopWaitersTest, EveryWaiterOfTheSessionIsAnsweredOnceWithItsResult) {
  std::vector<Sent> sent;
  StopWaiters waiters(Responder{&record, &sent});
  GameSession s;
  s.id = random_id128();
  s.status = SessionStatus::kStopped;
  const Id128 other = random_id128();
  waiters.add(s.id, ReplyTarget{1, {}});
  waiters.add(s.id, ReplyTarget{2, {}});
  waiters.add(other, ReplyTarget{3, {}});

  waiters.answer(s);
  ASSERT_EQ(sent.size(), 2U);
  for (const Sent& a : sent) {
    EXPECT_EQ(a.route, kRouteStop);
    EXPECT_EQ(a.status, 200);
    EXPECT_NE(a.body.find(R"("status":"stopped")"), std::string::npos) << a.body;
  }
  EXPECT_EQ(sent[0].shard, 1U);
  EXPECT_EQ(sent[1].shard, 2U);
  waiters.answer(s);
  EXPECT_EQ(sent.size(), 2U);  // answered and forgotten
}

TEST(StopWaitersTest, RefusedWaitersGet503AndAreForgotten) {
  std::vector<Sent> sent;
  StopWaiters waiters(Responder{&record, &sent});
  const Id128 session = random_id128();
  waiters.add(session, ReplyTarget{4, {}});
  waiters.refuse(session);
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].shard, 4U);
  EXPECT_EQ(sent[0].route, kRouteStop);
  EXPECT_EQ(sent[0].status, 503);
  EXPECT_NE(sent[0].body.find("unavailable"), std::string::npos) << sent[0].body;
  waiters.refuse(session);
  EXPECT_EQ(sent.size(), 1U);
}

}  // namespace
}  // namespace ringside

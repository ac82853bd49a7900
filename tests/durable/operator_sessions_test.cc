// The operator's sessions API with --database-url (docs/operator-api.md, "Sessions"): an
// operator's stop is written with its end reason, and after a restart the ended sessions the
// database kept are listed and shown again, their timeline rebuilt from what the rows hold.
#include <string>
#include <vector>

#include "durable/durable_fixture.h"

namespace ringside::durable {
namespace {

using itest::Json;
using itest::json_of;

std::optional<itest::HttpResponse> op(itest::ApiClient& api, std::string_view method,
                                      const std::string& target) {
  return api.send(method, target, "", itest::kOperatorKey);
}

TEST_F(DurableTest, EndedSessionsComeBackFromTheDatabaseAfterARestart) {
  ASSERT_TRUE(start());
  const std::string alice = api().token_for("op-alice", kGame);
  const std::string bob = api().token_for("op-bob", kGame);
  const std::string stopped_by_operator = api().launch_running(alice, game_body());
  ASSERT_FALSE(stopped_by_operator.empty());
  auto r = op(api(), "POST", "/operator/sessions/" + stopped_by_operator + "/stop");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["status"].str(), "stopped") << r->body;
  const std::string stopped_by_player = api().launch_running(bob, game_body());
  ASSERT_FALSE(stopped_by_player.empty());
  ASSERT_TRUE(api().stop_ok(bob, stopped_by_player).exists());
  const std::string running = api().launch_running(alice, game_body());
  ASSERT_FALSE(running.empty());
  EXPECT_EQ("operator_stop",
            db().value("SELECT end_reason FROM sessions WHERE id = '" + stopped_by_operator + "'"));

  ASSERT_EQ(0, stop_gracefully());
  ASSERT_TRUE(start());

  r = op(api(), "GET", "/operator/sessions");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json list = json_of(r)["sessions"];
  ASSERT_EQ(list.size(), 3u) << r->body;
  EXPECT_EQ(list.at(0)["sessionId"].str(), running) << r->body;
  EXPECT_EQ(list.at(1)["sessionId"].str(), stopped_by_player) << r->body;
  EXPECT_EQ(list.at(1)["endReason"].str(), "stopped") << r->body;
  EXPECT_EQ(list.at(2)["sessionId"].str(), stopped_by_operator) << r->body;
  EXPECT_EQ(list.at(2)["endReason"].str(), "operator_stop") << r->body;
  EXPECT_EQ(list.at(2)["playerId"].str(), "op-alice") << r->body;
  EXPECT_FALSE(list.at(2)["server"].str().empty()) << r->body;

  r = op(api(), "GET", "/operator/sessions?status=stopped&playerId=op-alice");
  ASSERT_TRUE(r && r->status == 200);
  ASSERT_EQ(json_of(r)["sessions"].size(), 1u) << r->body;

  // One ended session: its timeline is what the row keeps — launched, running, ended.
  r = op(api(), "GET", "/operator/sessions/" + stopped_by_operator);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  Json timeline = json_of(r)["timeline"];
  ASSERT_EQ(timeline.size(), 3u) << r->body;
  EXPECT_EQ(timeline.at(0)["phase"].str(), "queued") << r->body;
  EXPECT_EQ(timeline.at(1)["status"].str(), "running") << r->body;
  EXPECT_EQ(timeline.at(2)["status"].str(), "stopped") << r->body;
  // Its stop again answers the figures it ended with.
  r = op(api(), "POST", "/operator/sessions/" + stopped_by_operator + "/stop");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : api().error());
  EXPECT_EQ(json_of(r)["status"].str(), "stopped") << r->body;
}

}  // namespace
}  // namespace ringside::durable

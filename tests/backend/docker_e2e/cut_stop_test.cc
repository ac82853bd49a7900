// ringside with --database-url gone (-9) in the middle of a stop: the stop had stopped the game
// (SIGTERM delivered, the container exited) but not yet copied its save out. The next ringside
// to have the session (after a restart here; in a cluster, the partition's next owner) finds
// the container exited: it copies the save out before it removes the container. The player's
// stop ends `stopped`, or, when the store still said `running`, `error` - with the save kept
// either way.
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "tests/pg/pg_test_env.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;
using itest::json_of;

class DockerCutStopTest : public DockerE2eTest, public testing::WithParamInterface<bool> {
 protected:
  // Polls session-status until the session has ended (up to 20 s); its last answer.
  Json wait_until_ended(const std::string& token, const std::string& session) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      Json status = json_of(api().status(token, session));
      const std::string s = status["status"].str();
      if (s == "stopped" || s == "error" || std::chrono::steady_clock::now() >= deadline) {
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
};

TEST_P(DockerCutStopTest, TheSaveOfAContainerFoundExitedIsKept) {
  const bool stopping = GetParam();
  pgtest::ScratchDatabase db;
  pgtest::Admin admin(db.url());
  const std::vector<std::string> flags = {"--database-url", db.url()};
  ASSERT_TRUE(start(flags));
  const std::string token = api().token_for("e2e-cut-stop", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // ticks saved
  std::optional<Container> c = container_of(session);
  ASSERT_TRUE(c);

  // Where the stop was cut: its `stopping` recorded (or not yet), the game stopped, no save
  // copied out.
  kill_hard();
  if (stopping) admin.exec("UPDATE sessions SET status = 'stopping' WHERE id = '" + session + "'");
  ASSERT_EQ(docker(c->engine, "stop -t 10 " + c->id).exit_code, 0);
  ASSERT_EQ(container_of(session).value_or(Container{}).state, "exited");

  ASSERT_TRUE(start(flags));
  Json ended = wait_until_ended(token, session);
  if (stopping) {
    EXPECT_EQ(ended["status"].str(), "stopped") << ended.text();
  } else {
    EXPECT_EQ(ended["status"].str(), "error") << ended.text();
    EXPECT_EQ(ended["error"]["code"].str(), "container_lost") << ended.text();
  }
  EXPECT_FALSE(container_of(session)) << "the container outlived its session";
  const std::string saved = saved_progress();
  EXPECT_GE(last_tick(saved), 2) << "the save was not kept:\n" << saved;
}

INSTANTIATE_TEST_SUITE_P(StoppingOrRunning, DockerCutStopTest, testing::Bool(),
                         [](const testing::TestParamInfo<bool>& p) {
                           return p.param ? "StoreSaidStopping" : "StoreSaidRunning";
                         });

}  // namespace
}  // namespace ringside::dockere2e

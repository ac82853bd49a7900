// A container with ringside's labels that no session owns (left by a ringside without a
// database, or by hand) is removed once the orphan grace has passed; other containers stay.
#include <chrono>
#include <string>
#include <thread>

#include "backend/docker_e2e/docker_e2e_fixture.h"
#include "model/ids.h"

namespace ringside::dockere2e {
namespace {

TEST_F(DockerE2eTest, AnOrphanContainerWithRingsideLabelsIsRemoved) {
  // A session id as ringside writes them, of a session no ringside knows.
  const std::string orphan_session = id_to_string(IdKind::kSession, IdOwner{}, random_id128());
  ASSERT_EQ(docker(0, "pull -q '" + image() + "'").exit_code, 0);
  const CommandResult orphan = docker(
      0, "run -d --name ringside-e2e-orphan --label ringside.session=" + orphan_session +
             " --label ringside.player=nobody --label ringside.game=test-game '" + image() + "'");
  ASSERT_EQ(orphan.exit_code, 0) << orphan.output;
  docker(0, "rm -f ringside-e2e-bystander");  // from an earlier run that failed half way
  const CommandResult bystander =
      docker(0, "run -d --name ringside-e2e-bystander '" + image() + "'");
  ASSERT_EQ(bystander.exit_code, 0) << bystander.output;
  ASSERT_TRUE(container_of(orphan_session));

  ASSERT_TRUE(start({"--docker-orphan-grace", "1"}));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (container_of(orphan_session) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(container_of(orphan_session)) << "the orphan is still there after 15 s";
  const CommandResult left =
      docker(0, "inspect --format '{{.State.Status}}' ringside-e2e-bystander");
  EXPECT_EQ(left.output, "running\n") << "a container without ringside's labels was touched";
  docker(0, "rm -f ringside-e2e-bystander");
}

}  // namespace
}  // namespace ringside::dockere2e

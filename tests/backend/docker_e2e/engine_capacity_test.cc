// A fleet file that declares more CPUs than the engines' machine has, and a game that declares
// more than the machine too (issue 14): the engine refuses a CPU limit above its CPUs ("Range
// of CPUs is from 0.01 to 2.00"), so launches ended in start_failed. Now each engine's real
// capacity is read (GET /info), said in the log when the fleet declares more, and no limit is
// asked above it.
#include <string>

#include "backend/docker_e2e/docker_e2e_fixture.h"

namespace ringside::dockere2e {
namespace {

using itest::Json;

TEST_F(DockerE2eTest, LimitsStayWithinTheEnginesCpusWhenTheFleetDeclaresMore) {
  const int cpus = engine_cpus();
  ASSERT_GT(cpus, 0);
  const uint32_t machine_millicores = static_cast<uint32_t>(cpus) * 1000;
  write_catalog(image(), cpus + 2);  // the game asks for more than the machine has
  ASSERT_TRUE(start({"--docker-fleet", write_fleet(machine_millicores + 62'000)}));
  // One line per engine at start, naming what it really has.
  ASSERT_TRUE(wait_for_log("event=docker_fleet_exceeds_engine server=docker1", 10'000));
  ASSERT_TRUE(wait_for_log("event=docker_fleet_exceeds_engine server=docker2", 10'000));
  EXPECT_NE(server().log().find("engine_cpu_millicores=" + std::to_string(machine_millicores)),
            std::string::npos)
      << server().log();

  const std::string token = api().token_for("e2e-capacity", kGame);
  ASSERT_FALSE(token.empty());
  const std::string session = api().launch_running(token, game_body());
  ASSERT_FALSE(session.empty()) << "the launch did not run";
  std::optional<Container> c = container_of(session);
  ASSERT_TRUE(c);
  const long long nano_cpus = std::stoll(inspect(*c, "{{.HostConfig.NanoCpus}}"));
  EXPECT_GT(nano_cpus, 0);
  EXPECT_LE(nano_cpus, static_cast<long long>(cpus) * 1'000'000'000LL);
  EXPECT_TRUE(api().stop_ok(token, session).exists());
}

}  // namespace
}  // namespace ringside::dockere2e

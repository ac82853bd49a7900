// The Docker backend's pure parts: Engine API requests and answers, the fleet configuration.
// The save archives are in save_archive_test.cc.
#include <gtest/gtest.h>

#include <cmath>

#include "backends/docker/docker_api.h"
#include "backends/docker/docker_fleet.h"

namespace ringside {
namespace {

namespace api = docker_api;

TEST(DockerApi, EndpointsFromUnixSocketsAndTcp) {
  auto unix_ep = api::parse_endpoint("unix:///tmp/d1/docker.sock", "1.41");
  ASSERT_TRUE(unix_ep);
  EXPECT_EQ(unix_ep->unix_socket, "/tmp/d1/docker.sock");
  EXPECT_EQ(unix_ep->base_url, "http://docker/v1.41");
  auto tcp = api::parse_endpoint("tcp://10.0.0.5:2375", "1.41");
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->unix_socket, "");
  EXPECT_EQ(tcp->base_url, "http://10.0.0.5:2375/v1.41");
  EXPECT_FALSE(api::parse_endpoint("unix://relative.sock", "1.41"));
  EXPECT_FALSE(api::parse_endpoint("ftp://x", "1.41"));
  EXPECT_FALSE(api::parse_endpoint("tcp://", "1.41"));
}

TEST(DockerApi, PullSplitsRepositoryAndTagAfterARegistryPort) {
  api::Endpoint e{"/s", "http://docker/v1.41"};
  EXPECT_EQ(api::pull_image(e, "127.0.0.1:5000/ringside/game:1", 60000).url,
            "http://docker/v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fringside%2Fgame&tag=1");
  HttpRequest untagged = api::pull_image(e, "127.0.0.1:5000/game", 60000);
  EXPECT_EQ(untagged.url,
            "http://docker/v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fgame&tag=latest");
  EXPECT_EQ(untagged.method, "POST");
  EXPECT_EQ(untagged.unix_socket, "/s");
  EXPECT_EQ(untagged.timeout_ms, 60000u);
  EXPECT_EQ(api::normalize_image("busybox"), "busybox:latest");
  EXPECT_EQ(api::normalize_image("r:5000/x@sha256:ab"), "r:5000/x@sha256:ab");
}

TEST(DockerApi, CreateCarriesLabelsAndLimits) {
  api::ContainerSpec spec;
  spec.name = "ringside-slot-3";
  spec.image = "reg/game:1";
  spec.session_id_text = "s01abc";
  spec.player_id = "player \"7\"";
  spec.game_slug = "chess";
  spec.cpu_millicores = 1500;
  spec.memory_mb = 64;
  HttpRequest r = api::create_container({"/s", "http://docker/v1.41"}, spec);
  EXPECT_EQ(r.url, "http://docker/v1.41/containers/create?name=ringside-slot-3");
  // The limits are labels too: what every node sharing the engine counts as taken.
  EXPECT_EQ(r.body, R"({"Image":"reg/game:1","Labels":{"ringside.session":"s01abc",)"
                    R"("ringside.player":"player \"7\"","ringside.game":"chess",)"
                    R"("ringside.cpu_millicores":"1500","ringside.memory_mb":"64"},)"
                    R"("HostConfig":{"Memory":67108864,"NanoCpus":1500000000}})");
}

TEST(DockerApi, AWarmCreateHasNoSessionAndOpenStdin) {
  api::ContainerSpec spec;
  spec.name = "ringside-slot-1";
  spec.image = "reg/game:1";
  spec.player_id = "warm-00000000000000aa";
  spec.game_slug = "chess";
  spec.cpu_millicores = 500;
  spec.memory_mb = 64;
  spec.warm = true;
  HttpRequest r = api::create_container({"/s", "http://docker/v1.41"}, spec);
  EXPECT_EQ(r.body, R"({"Image":"reg/game:1","Labels":{"ringside.warm":"chess",)"
                    R"("ringside.player":"warm-00000000000000aa","ringside.game":"chess",)"
                    R"("ringside.cpu_millicores":"500","ringside.memory_mb":"64"},)"
                    R"("OpenStdin":true,"StdinOnce":false,"AttachStdin":true,)"
                    R"("AttachStdout":true,"AttachStderr":true,"Env":["RINGSIDE_WARM=1"],)"
                    R"("HostConfig":{"Memory":67108864,"NanoCpus":500000000}})");
}

// One frame of a multiplexed stream: stream byte, 3 zero bytes, big-endian size.
std::string frame(char stream, std::string_view text) {
  std::string f = {stream, 0, 0, 0, 0, 0, 0, static_cast<char>(text.size())};
  return f + std::string(text);
}

TEST(DockerApi, TheTookLineIsFoundInAMultiplexedLog) {
  std::string session, player;
  const std::string log = frame(1, "test game: warm\nringside-to") + frame(2, "noise\n") +
                          frame(1, "ok s01abc p7\ntick 1 0\n");
  EXPECT_TRUE(api::find_took_line(log, &session, &player));
  EXPECT_EQ(session, "s01abc");
  EXPECT_EQ(player, "p7");
  EXPECT_FALSE(api::find_took_line(frame(1, "test game: warm\n"), &session, &player));
  EXPECT_FALSE(api::find_took_line(frame(2, "ringside-took s1 p1\n"), &session, &player));
  EXPECT_EQ(api::container_logs({"/s", "http://docker/v1.41"}, "abc").url,
            "http://docker/v1.41/containers/abc/logs?stdout=1&stderr=0");
}

TEST(DockerApi, ContainerNamesAreEngineSlots) {
  EXPECT_EQ(api::slot_name(0), "ringside-slot-0");
  EXPECT_EQ(api::slot_name(31), "ringside-slot-31");
  EXPECT_EQ(api::slot_of_name("ringside-slot-31"), 31u);
  EXPECT_EQ(api::slot_of_name("/ringside-slot-0"), 0u);  // as a listing's Names give it
  // Named before slot names, or by someone else: holds no slot.
  for (const char* other : {"ringside-s01abc", "ringside-slot-", "ringside-slot-03",
                            "ringside-slot-+3", "ringside-slot-3x", "ringside-slot-4294967295",
                            "ringside-slot-99999999999", "x-ringside-slot-1", ""}) {
    EXPECT_EQ(api::slot_of_name(other), api::kNoSlot) << other;
  }
}

TEST(DockerApi, ContainerCalls) {
  api::Endpoint e{"", "http://h:1/v1.41"};
  EXPECT_EQ(api::stop_container(e, "abc", 5).url, "http://h:1/v1.41/containers/abc/stop?t=5");
  EXPECT_EQ(api::get_archive(e, "abc", "/save").url,
            "http://h:1/v1.41/containers/abc/archive?path=%2Fsave");
  EXPECT_EQ(api::remove_container(e, "abc").method, "DELETE");
  // One sample: the engine would otherwise wait for a second collection.
  EXPECT_EQ(api::container_stats(e, "abc").url,
            "http://h:1/v1.41/containers/abc/stats?stream=false&one-shot=true");
  EXPECT_EQ(api::info(e).url, "http://h:1/v1.41/info");
  EXPECT_EQ(api::list_session_containers(e).url,
            "http://h:1/v1.41/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ringside."
            "game%22%5D%7D");
  HttpRequest put = api::put_archive(e, "abc", "/", "TAR");
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.body, "TAR");
  EXPECT_EQ(put.headers, std::vector<std::string>{"Content-Type: application/x-tar"});
}

TEST(DockerApi, ImageTagsSkipUntaggedImages) {
  auto tags = api::parse_image_tags(
      R"([{"Id":"a","RepoTags":["r/game:1","r/game:latest"]},{"Id":"b","RepoTags":null},)"
      R"({"Id":"c","RepoTags":["<none>:<none>"]}])");
  ASSERT_TRUE(tags);
  EXPECT_EQ(*tags, (std::vector<std::string>{"r/game:1", "r/game:latest"}));
  EXPECT_FALSE(api::parse_image_tags("{"));
}

TEST(DockerApi, PullStreamErrorsAreFoundInTheStream) {
  EXPECT_EQ(api::pull_stream_error("{\"status\":\"Pulling from x\"}\n{\"status\":\"Done\"}\n"), "");
  const std::string failed =
      "{\"status\":\"Pulling\"}\r\n{\"errorDetail\":{\"message\":\"manifest for r/x:9 not "
      "found: manifest unknown\"},\"error\":\"manifest for r/x:9 not found: manifest "
      "unknown\"}\r\n";
  EXPECT_EQ(api::pull_stream_error(failed), "manifest for r/x:9 not found: manifest unknown");
  EXPECT_TRUE(api::is_not_found_message(api::pull_stream_error(failed)));
  EXPECT_FALSE(api::is_not_found_message("connection refused"));
}

TEST(DockerApi, InspectReadsRunningAndHealth) {
  auto plain = api::parse_inspect(R"({"State":{"Status":"running","Running":true}})");
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->running);
  EXPECT_EQ(plain->health, api::Health::kNone);
  auto starting =
      api::parse_inspect(R"({"State":{"Running":true,"Health":{"Status":"starting"}}})");
  ASSERT_TRUE(starting);
  EXPECT_EQ(starting->health, api::Health::kStarting);
  auto exited =
      api::parse_inspect(R"({"State":{"Running":false,"Health":{"Status":"unhealthy"}}})");
  ASSERT_TRUE(exited);
  EXPECT_FALSE(exited->running);
  EXPECT_EQ(exited->health, api::Health::kUnhealthy);
  EXPECT_FALSE(api::parse_inspect(R"({"Id":"x"})"));
}

TEST(DockerApi, StatsOnCgroupV1HaveAPeak) {
  auto f = api::parse_stats(
      R"({"cpu_stats":{"cpu_usage":{"total_usage":1250000000,"percpu_usage":[1,2]}},)"
      R"("memory_stats":{"usage":800000,"max_usage":4194304,"limit":67108864}})");
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->cpu_seconds, 1.25);
  EXPECT_DOUBLE_EQ(f->peak_memory_mb, 4.0);
}

TEST(DockerApi, StatsOnCgroupV2HaveNoPeak) {
  auto f =
      api::parse_stats(R"({"cpu_stats":{"cpu_usage":{"total_usage":500000000}},)"
                       R"("memory_stats":{"usage":800000,"limit":67108864,"stats":{"anon":1}}})");
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->cpu_seconds, 0.5);
  EXPECT_TRUE(std::isnan(f->peak_memory_mb));
  EXPECT_FALSE(api::parse_stats(R"({"memory_stats":{}})"));
}

TEST(DockerApi, InfoGivesTheMachinesCpusAndMemory) {
  auto c = api::parse_info(R"({"ID":"x","NCPU":2,"MemTotal":25275875328,"Name":"d1"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cpu_millicores, 2000u);
  EXPECT_EQ(c->memory_mb, 24104u);  // 25 275 875 328 bytes, whole MiB
  EXPECT_FALSE(api::parse_info(R"({"NCPU":0,"MemTotal":1048576})"));
  EXPECT_FALSE(api::parse_info(R"({"NCPU":2})"));
  EXPECT_FALSE(api::parse_info(R"({"NCPU":"2","MemTotal":1048576})"));
  EXPECT_FALSE(api::parse_info("not json"));
}

TEST(DockerApi, ContainerListByLabel) {
  auto list = api::parse_container_list(
      R"([{"Id":"aa","Names":["/ringside-slot-2"],"State":"running","Labels":)"
      R"({"ringside.session":"s1","ringside.player":"p1","ringside.cpu_millicores":"1500",)"
      R"("ringside.memory_mb":"64","x":"y"}},)"
      R"({"Id":"bb","Names":["/ringside-s2"],"State":"exited","Labels":{"ringside.session":"s2"}},)"
      R"({"Id":"cc","State":"running","Labels":{}},)"
      R"({"Id":"dd","Image":"reg/g:1","State":"running","Labels":{"ringside.warm":"chess",)"
      R"("ringside.player":"warm-1"}}])");
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  // A warm one: its game, no session.
  EXPECT_EQ((*list)[2].labels.warm, "chess");
  EXPECT_EQ((*list)[2].labels.session, "");
  EXPECT_EQ((*list)[2].image, "reg/g:1");
  EXPECT_EQ((*list)[0].id, "aa");
  EXPECT_EQ((*list)[0].labels.session, "s1");
  EXPECT_EQ((*list)[0].labels.player, "p1");
  EXPECT_EQ((*list)[0].labels.slot, 2u);
  EXPECT_EQ((*list)[0].labels.cpu_millicores, 1500u);
  EXPECT_EQ((*list)[0].labels.memory_mb, 64u);
  EXPECT_TRUE((*list)[0].running);
  // Made before slot names and limit labels: no slot, nothing counted, no player said.
  EXPECT_EQ((*list)[1].labels.session, "s2");
  EXPECT_EQ((*list)[1].labels.player, "");
  EXPECT_EQ((*list)[1].labels.slot, api::kNoSlot);
  EXPECT_EQ((*list)[1].labels.cpu_millicores, 0u);
  EXPECT_FALSE((*list)[1].running);
  EXPECT_EQ(api::error_message(R"({"message":"No such container: x"})"), "No such container: x");
}

TEST(DockerApi, AFailedCallIsDescribedByCurlsWordsOrTheEnginesMessage) {
  HttpResponse refused;
  refused.error = "Couldn't connect to server";
  EXPECT_EQ(api::describe_failure(refused), "Couldn't connect to server");
  EXPECT_EQ(api::describe_failure(HttpResponse{}), "no answer");
  HttpResponse gone;
  gone.status = 404;
  gone.body = R"({"message":"No such container: x"})";
  EXPECT_EQ(api::describe_failure(gone), "HTTP 404: No such container: x");
}

TEST(DockerApi, EventsAreFollowedForSessionContainersOnly) {
  api::Endpoint e{"/run/d.sock", "http://docker/v1.41"};
  HttpRequest r = api::session_container_events(e);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.unix_socket, "/run/d.sock");
  // filters={"type":["container"],"label":["ringside.game"],
  //          "event":["create","start","die","oom","destroy"]}
  EXPECT_EQ(r.url,
            "http://docker/v1.41/events?filters=%7B%22type%22%3A%5B%22container%22%5D%2C%22label%"
            "22%3A%5B%22ringside.game%22%5D%2C%22event%22%3A%5B%22create%22%2C%22start%22%2C%"
            "22die%22%2C%22oom%22%2C%22destroy%22%5D%7D");
}

TEST(DockerApi, ContainerEventsAsTheEngineSendsThem) {
  auto die = api::parse_container_event(
      R"({"status":"die","id":"c1","from":"img","Type":"container","Action":"die",)"
      R"("Actor":{"ID":"c1","Attributes":{"exitCode":"137","image":"img",)"
      R"("name":"ringside-slot-5","ringside.session":"s1","ringside.player":"p1",)"
      R"("ringside.memory_mb":"256"}},"scope":"local","time":1700000000,"timeNano":1})");
  ASSERT_TRUE(die);
  EXPECT_EQ(die->action, api::ContainerAction::kDie);
  EXPECT_EQ(die->id, "c1");
  EXPECT_EQ(die->labels.session, "s1");
  EXPECT_EQ(die->labels.player, "p1");
  EXPECT_EQ(die->labels.slot, 5u);
  EXPECT_EQ(die->labels.memory_mb, 256u);
  EXPECT_EQ(die->labels.cpu_millicores, 0u);
  EXPECT_EQ(die->exit_code, 137);
  auto start = api::parse_container_event(
      R"({"Type":"container","Action":"start","Actor":{"ID":"c2","Attributes":)"
      R"({"ringside.session":"s2"}}})");
  ASSERT_TRUE(start);
  EXPECT_EQ(start->action, api::ContainerAction::kStart);
  EXPECT_EQ(start->exit_code, -1);
  // Not for us: other actions, other types, no label, not JSON.
  EXPECT_FALSE(api::parse_container_event(
      R"({"Type":"container","Action":"exec_create: sh","Actor":{"ID":"c2","Attributes":)"
      R"({"ringside.session":"s2"}}})"));
  EXPECT_FALSE(api::parse_container_event(
      R"({"Type":"network","Action":"create","Actor":{"ID":"n","Attributes":)"
      R"({"ringside.session":"s2"}}})"));
  EXPECT_FALSE(api::parse_container_event(
      R"({"Type":"container","Action":"die","Actor":{"ID":"c3","Attributes":{}}})"));
  EXPECT_FALSE(api::parse_container_event("{\"Type\":"));
}

TEST(DockerFleet, FromJsonWithDefaults) {
  GameServerInfo defaults;
  defaults.cpu_millicores = 4000;
  defaults.memory_mb = 8192;
  defaults.slots = 8;
  std::string error;
  auto fleet = parse_docker_fleet(
      R"([{"name":"a","engine":"unix:///run/a.sock","urlBase":"https://a.example","slots":3},)"
      R"({"name":"b","engine":"tcp://10.0.0.2:2375","urlBase":"https://b.example",)"
      R"("cpuMillicores":2000,"memoryMb":1024}])",
      defaults, &error);
  ASSERT_TRUE(fleet) << error;
  ASSERT_EQ(fleet->size(), 2u);
  EXPECT_EQ((*fleet)[0].info.name, "a");
  EXPECT_EQ((*fleet)[0].info.slots, 3u);
  EXPECT_EQ((*fleet)[0].info.cpu_millicores, 4000u);
  EXPECT_EQ((*fleet)[1].address, "tcp://10.0.0.2:2375");
  EXPECT_EQ((*fleet)[1].info.memory_mb, 1024u);
  EXPECT_FALSE(
      parse_docker_fleet(R"([{"name":"a","engine":"x","urlBase":"u"}])", defaults, &error));
  EXPECT_FALSE(parse_docker_fleet(R"([{"name":"a"}])", defaults, &error));
}

TEST(DockerFleet, FromAList) {
  GameServerInfo defaults;
  defaults.slots = 5;
  std::string error;
  auto fleet = docker_engines_from_list("unix:///a.sock,tcp://h2:2375", defaults, &error);
  ASSERT_TRUE(fleet) << error;
  ASSERT_EQ(fleet->size(), 2u);
  EXPECT_EQ((*fleet)[0].info.name, "docker1");
  EXPECT_EQ((*fleet)[0].info.url_base, "http://127.0.0.1");
  EXPECT_EQ((*fleet)[1].info.url_base, "http://h2");
  EXPECT_EQ((*fleet)[1].info.slots, 5u);
  EXPECT_FALSE(load_docker_fleet("", "", defaults, &error));
}

}  // namespace
}  // namespace ringside

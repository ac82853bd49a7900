#pragma once
// The Docker Engine API calls the Docker backend makes, as requests to build and answers to read:
// pure functions, no I/O. The engines speak API 1.41 (Docker 20.10) and newer; every path is
// prefixed with the version the backend is configured with.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/http/http_client.h"

namespace ringside::docker_api {

// Where one engine listens: a unix socket ("unix:///run/docker.sock") or TCP
// ("tcp://host:port", "http://host:port").
struct Endpoint {
  std::string unix_socket;  // empty for TCP
  std::string base_url;     // "http://host:port/v1.41", "http://docker/v1.41" over a socket
};
std::optional<Endpoint> parse_endpoint(std::string_view address, std::string_view api_version);

// The labels that tie a container to ringside; kSessionLabel also filters the listing.
inline constexpr std::string_view kSessionLabel = "ringside.session";
inline constexpr std::string_view kPlayerLabel = "ringside.player";
inline constexpr std::string_view kGameLabel = "ringside.game";
// A warm container's (docs/warm-pools.md): its game's slug, and no kSessionLabel. Every
// container ringside makes carries kGameLabel, which filters listings and events.
inline constexpr std::string_view kWarmLabel = "ringside.warm";
// The container's limits, written at create so that every node sharing the engine can count
// what it takes (absent on containers made before: read as 0).
inline constexpr std::string_view kCpuLabel = "ringside.cpu_millicores";
inline constexpr std::string_view kMemoryLabel = "ringside.memory_mb";

// A container is named by its engine slot, "ringside-slot-<k>" with k below the engine's slots:
// the engine refuses a second container of a name in use (409), for every node at once, and
// the name is held for exactly as long as the container exists (docs/docker-backend.md).
inline constexpr uint32_t kNoSlot = UINT32_MAX;
std::string slot_name(uint32_t slot);
// "ringside-slot-3", or "/ringside-slot-3" as a listing's Names give it -> 3; any other name
// (one made before slot names: "ringside-<session id>") -> kNoSlot.
uint32_t slot_of_name(std::string_view name);

struct ContainerSpec {
  std::string_view name;
  std::string_view image;
  std::string_view session_id_text;
  std::string_view player_id;
  std::string_view game_slug;
  uint32_t cpu_millicores = 0;  // 0: no limit; also written as kCpuLabel
  uint32_t memory_mb = 0;       // 0: no limit; also written as kMemoryLabel
  // A warm container: labelled kWarmLabel instead of kSessionLabel, started with its stdin
  // open for the attach stream and RINGSIDE_WARM=1.
  bool warm = false;
};

// "name" -> "name:latest": how the engine lists an image that was named without a tag.
std::string normalize_image(std::string_view image);
// "%xx" for everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);

HttpRequest ping(const Endpoint& e, uint32_t timeout_ms);
HttpRequest info(const Endpoint& e);
HttpRequest list_images(const Endpoint& e);
HttpRequest pull_image(const Endpoint& e, std::string_view image, uint32_t timeout_ms);
std::string create_body(const ContainerSpec& spec);
HttpRequest create_container(const Endpoint& e, const ContainerSpec& spec);
HttpRequest put_archive(const Endpoint& e, std::string_view id, std::string_view path,
                        std::string tar);
HttpRequest start_container(const Endpoint& e, std::string_view id);
HttpRequest inspect_container(const Endpoint& e, std::string_view id);
// One sample (one-shot, API 1.41): answered at the engine's next stats collection, at once on
// an engine that collected none in the last second, instead of after two collections.
HttpRequest container_stats(const Endpoint& e, std::string_view id);
HttpRequest stop_container(const Endpoint& e, std::string_view id, uint32_t grace_s);
HttpRequest get_archive(const Endpoint& e, std::string_view id, std::string_view path);
// force: also a running container; v: with its anonymous volumes.
HttpRequest remove_container(const Endpoint& e, std::string_view id);
// The container's stdout log, raw (multiplexed frames): where a warm container's
// `ringside-took` line stays.
HttpRequest container_logs(const Endpoint& e, std::string_view id);
// The session and player ids of the first `ringside-took <session> <player>` line in a
// multiplexed log; false when there is none.
bool find_took_line(std::string_view log, std::string* session, std::string* player);
// Every container carrying kGameLabel (sessions' and warm ones), running or not.
HttpRequest list_session_containers(const Endpoint& e);
// GET /events, for HttpClient::stream(): from now on, one JSON line per create, start, die,
// oom or destroy of a container carrying kGameLabel.
HttpRequest session_container_events(const Endpoint& e);

// GET /images/json: every RepoTag of every image. Nullopt on a malformed answer.
std::optional<std::vector<std::string>> parse_image_tags(std::string_view body);

// POST /images/create answers 200 and streams progress lines; a failure is a line with
// "error". Returns that message, or empty when the stream holds none.
std::string pull_stream_error(std::string_view body);
// Whether a pull error says the image or tag does not exist (rather than a transient failure).
bool is_not_found_message(std::string_view message);

// POST /containers/create (201): the new container's id.
std::optional<std::string> parse_created_id(std::string_view body);

enum class Health : uint8_t { kNone, kStarting, kHealthy, kUnhealthy };
struct ContainerState {
  bool running = false;
  Health health = Health::kNone;  // kNone: the image has no HEALTHCHECK
};
std::optional<ContainerState> parse_inspect(std::string_view body);

// GET /info: the engine's machine as its containers see it.
struct EngineCapacity {
  uint32_t cpu_millicores = 0;  // NCPU x 1000
  uint32_t memory_mb = 0;       // MemTotal >> 20
};
std::optional<EngineCapacity> parse_info(std::string_view body);

// GET /containers/{id}/stats?stream=false&one-shot=true. cpu_seconds from
// cpu_stats.cpu_usage.total_usage; peak_memory_mb from memory_stats.max_usage, which only cgroup v1
// has: NaN on cgroup v2.
struct StatsFigures {
  double cpu_seconds = 0;
  double peak_memory_mb = 0;
};
std::optional<StatsFigures> parse_stats(std::string_view body);

// What a labelled container's name and labels say about it (a listing's or an event's).
struct ContainerLabels {
  std::string session;                         // ringside.session; empty on a warm one
  std::string warm;                            // ringside.warm (its game); empty on a session's
  std::string player;                          // ringside.player; empty when absent
  uint32_t slot = kNoSlot;                     // from its name
  uint32_t cpu_millicores = 0, memory_mb = 0;  // kCpuLabel, kMemoryLabel; 0 when absent
};

struct ListedContainer {
  std::string id;
  std::string image;  // as named at create
  ContainerLabels labels;
  bool running = false;
};
std::optional<std::vector<ListedContainer>> parse_container_list(std::string_view body);

enum class ContainerAction : uint8_t { kCreate, kStart, kDie, kOom, kDestroy };
struct ContainerEvent {
  ContainerAction action = ContainerAction::kCreate;
  std::string id;
  ContainerLabels labels;  // the slot from Actor.Attributes.name
  int exit_code = -1;      // kDie: the main process's exit status (137: SIGKILL), else -1
};
// One line of the /events stream; nullopt for anything else (another kind of event, another
// action, no ringside.session label, malformed).
std::optional<ContainerEvent> parse_container_event(std::string_view line);

// The "message" of an engine's error answer, else the body's start.
std::string error_message(std::string_view body);
// What went wrong with a call, for a log line: why no answer came (curl's words), or the
// status and the engine's message.
std::string describe_failure(const HttpResponse& r);

}  // namespace ringside::docker_api

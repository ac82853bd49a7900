#include "api/metrics_text.h"

#include <charconv>
#include <string_view>

#include "api/routes.h"
#include "api/warm_metrics_text.h"
#include "core/clock.h"
#include "model/session_types.h"

namespace ringside {
namespace {

void put(ByteBuffer& out, std::string_view s) { out.append(s); }

void put(ByteBuffer& out, uint64_t v) {
  char num[24];
  auto r = std::to_chars(num, num + sizeof num, v);
  out.append(num, static_cast<size_t>(r.ptr - num));
}

void put_seconds(ByteBuffer& out, uint64_t us) {
  char num[32];
  auto r =
      std::to_chars(num, num + sizeof num, static_cast<double>(us) / 1e6, std::chars_format::fixed);
  out.append(num, static_cast<size_t>(r.ptr - num));
}

// One sample per shard of an HttpMetrics counter, labelled by shard.
void put_per_shard(ByteBuffer& out, const Runtime& runtime, std::string_view name,
                   std::string_view help, std::string_view type, Counter HttpMetrics::*field) {
  put(out, "# HELP ");
  put(out, name);
  put(out, " ");
  put(out, help);
  put(out, "\n# TYPE ");
  put(out, name);
  put(out, " ");
  put(out, type);
  put(out, "\n");
  for (uint32_t i = 0; i < runtime.shard_count(); ++i) {
    put(out, name);
    put(out, "{shard=\"");
    put(out, uint64_t{i});
    put(out, "\"} ");
    put(out, (runtime.published.http(i).*field).get());
    put(out, "\n");
  }
}

// Cluster mode: the ownership protocol as the I/O core last published it.
void render_cluster(const StoreMetrics& sm, ByteBuffer& out) {
  put(out, "# HELP ringside_cluster_partitions_owned Partitions whose lock this node holds.\n");
  put(out, "# TYPE ringside_cluster_partitions_owned gauge\nringside_cluster_partitions_owned ");
  put(out, sm.partitions_owned.get());
  put(out,
      "\n# HELP ringside_cluster_ownership_changes_total Partitions acquired, lost and handed ");
  put(out, "over by this node.\n# TYPE ringside_cluster_ownership_changes_total counter\n");
  put(out, "ringside_cluster_ownership_changes_total ");
  put(out, sm.ownership_changes.get());
  // Counted from when the last committed heartbeat was sent; -1 before the first.
  put(out, "\n# HELP ringside_cluster_heartbeat_age_seconds Time since this node sent its last ");
  put(out, "heartbeat that committed (-1: none yet).\n");
  put(out, "# TYPE ringside_cluster_heartbeat_age_seconds gauge\n");
  put(out, "ringside_cluster_heartbeat_age_seconds ");
  const uint64_t sent_ms = sm.heartbeat_sent_ms.get();
  const uint64_t now_ms = read_clock().mono_ms;
  if (sent_ms == 0) {
    put(out, "-1");
  } else {
    put_seconds(out, (now_ms > sent_ms ? now_ms - sent_ms : 0) * 1000);
  }
  put(out, "\n");
}

// The queue shown (docs/queue.md): its wait, and the rate its estimate uses.
void render_queue(const PlacementMetrics& pm, ByteBuffer& out) {
  put(out, "# HELP ringside_queue_wait_seconds Time from queued to placed, of launches that ");
  put(out, "waited.\n# TYPE ringside_queue_wait_seconds histogram\n");
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kQueueWaitBucketsMs.size(); ++b) {
    cumulative += pm.queue_wait_buckets[b].get();
    put(out, "ringside_queue_wait_seconds_bucket{le=\"");
    if (kQueueWaitBucketsMs[b] == 0) {
      put(out, "+Inf");
    } else {
      put_seconds(out, kQueueWaitBucketsMs[b] * 1000);
    }
    put(out, "\"} ");
    put(out, cumulative);
    put(out, "\n");
  }
  put(out, "ringside_queue_wait_seconds_sum ");
  put_seconds(out, pm.queue_wait_sum_ms.get() * 1000);
  put(out, "\nringside_queue_wait_seconds_count ");
  put(out, pm.queue_wait_count.get());
  put(out,
      "\n# HELP ringside_queue_departures_per_second Measured rate (EWMA) at which queued "
      "launches are placed; 0 before the first.\n");
  put(out, "# TYPE ringside_queue_departures_per_second gauge\n");
  put(out, "ringside_queue_departures_per_second ");
  put_seconds(out, pm.queue_departures_milli.get() * 1000);  // thousandths: as ms to seconds
  put(out, "\n");
}

// Webhooks (docs/webhooks.md), as the I/O core's sender last published them.
void render_webhooks(const WebhookMetrics& wm, ByteBuffer& out) {
  struct Series {
    const char* name;
    const char* type;
    const char* help;
    const Counter& value;
  };
  const Series series[] = {
      {"ringside_webhook_deliveries_total", "counter", "Webhook attempts answered 2xx.",
       wm.deliveries},
      {"ringside_webhook_failures_total", "counter",
       "Webhook attempts not answered 2xx within the timeout.", wm.failures},
      {"ringside_webhook_given_up_total", "counter",
       "Webhook deliveries (event and URL) abandoned after 24 h of retries.", wm.given_up},
      {"ringside_webhook_dropped_total", "counter",
       "Without a database: webhook events dropped past the memory cap.", wm.dropped},
      {"ringside_webhook_undelivered", "gauge",
       "Webhook events held in memory not yet delivered to every URL.", wm.undelivered},
  };
  for (const Series& s : series) {
    put(out, "# HELP ");
    put(out, s.name);
    put(out, " ");
    put(out, s.help);
    put(out, "\n# TYPE ");
    put(out, s.name);
    put(out, " ");
    put(out, s.type);
    put(out, "\n");
    put(out, s.name);
    put(out, " ");
    put(out, s.value.get());
    put(out, "\n");
  }
  put(out, "# HELP ringside_webhook_oldest_undelivered_seconds Age of the oldest webhook event ");
  put(out, "held in memory not yet delivered to every URL (0: none).\n");
  put(out, "# TYPE ringside_webhook_oldest_undelivered_seconds gauge\n");
  put(out, "ringside_webhook_oldest_undelivered_seconds ");
  const uint64_t made_ms = wm.oldest_undelivered_ms.get();
  const auto now_ms = static_cast<uint64_t>(read_clock().unix_ms);
  put_seconds(out, made_ms == 0 || now_ms < made_ms ? 0 : (now_ms - made_ms) * 1000);
  put(out, "\n");
}

// The label of a counted route; the last slot counts requests no route matched (0xFFFF).
std::string_view counted_route_label(size_t route) {
  return route_label(route == kMaxRoutes - 1 ? 0xFFFF : static_cast<uint16_t>(route));
}

// One route's latency histogram, summed over the shards; nothing for a route never answered
// (as ringside_http_requests_total).
void put_latency(ByteBuffer& out, const Runtime& runtime, size_t route) {
  uint64_t count = 0;
  for (uint32_t i = 0; i < runtime.shard_count(); ++i)
    count += runtime.published.http(i).latency[route].count.get();
  if (count == 0) return;
  const std::string_view label = counted_route_label(route);
  uint64_t cumulative = 0;
  for (size_t b = 0; b < kLatencyBucketsUs.size(); ++b) {
    for (uint32_t i = 0; i < runtime.shard_count(); ++i)
      cumulative += runtime.published.http(i).latency[route].buckets[b].get();
    put(out, "ringside_http_request_duration_seconds_bucket{route=\"");
    put(out, label);
    put(out, "\",le=\"");
    if (kLatencyBucketsUs[b] == 0) {
      put(out, "+Inf");
    } else {
      put_seconds(out, kLatencyBucketsUs[b]);
    }
    put(out, "\"} ");
    put(out, cumulative);
    put(out, "\n");
  }
  uint64_t sum_us = 0;
  for (uint32_t i = 0; i < runtime.shard_count(); ++i)
    sum_us += runtime.published.http(i).latency[route].sum_us.get();
  put(out, "ringside_http_request_duration_seconds_sum{route=\"");
  put(out, label);
  put(out, "\"} ");
  put_seconds(out, sum_us);
  put(out, "\nringside_http_request_duration_seconds_count{route=\"");
  put(out, label);
  put(out, "\"} ");
  put(out, count);
  put(out, "\n");
}

}  // namespace

void render_metrics(const Runtime& runtime, ByteBuffer& out) {
  const uint32_t shards = runtime.shard_count();

  put(out, "# HELP ringside_http_requests_total HTTP requests answered, by route and status.\n");
  put(out, "# TYPE ringside_http_requests_total counter\n");
  for (size_t route = 0; route < kMaxRoutes; ++route) {
    for (size_t s = 0; s < kCountedStatuses.size(); ++s) {
      uint64_t total = 0;
      for (uint32_t i = 0; i < shards; ++i)
        total += runtime.published.http(i).requests[route][s].get();
      if (total == 0) continue;
      put(out, "ringside_http_requests_total{route=\"");
      put(out, counted_route_label(route));
      put(out, "\",status=\"");
      if (kCountedStatuses[s] == 0) {
        put(out, "other");
      } else {
        put(out, kCountedStatuses[s]);
      }
      put(out, "\"} ");
      put(out, total);
      put(out, "\n");
    }
  }

  put(out,
      "# HELP ringside_http_request_duration_seconds Time from a complete request to its "
      "answer being queued, by route.\n");
  put(out, "# TYPE ringside_http_request_duration_seconds histogram\n");
  for (size_t route = 0; route < kMaxRoutes; ++route) put_latency(out, runtime, route);

  put_per_shard(out, runtime, "ringside_open_connections", "Open client connections, per shard.",
                "gauge", &HttpMetrics::open_connections);
  put_per_shard(out, runtime, "ringside_accepted_connections_total",
                "Connections accepted, per shard.", "counter", &HttpMetrics::accepted_connections);
  put_per_shard(out, runtime, "ringside_connection_buffer_bytes",
                "Bytes held by connection buffers, per shard.", "gauge",
                &HttpMetrics::buffered_bytes);
  put_per_shard(out, runtime, "ringside_connection_buffer_cuts_total",
                "Connections cut to keep a shard within --connection-buffer-budget.", "counter",
                &HttpMetrics::buffer_cuts);
  put(out, "# HELP ringside_sessions Game sessions in memory, by status.\n");
  put(out, "# TYPE ringside_sessions gauge\n");
  for (size_t st = 0; st < kSessionStatusCount; ++st) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < shards; ++i)
      n += runtime.published.players(i).sessions_by_status[st].get();
    put(out, "ringside_sessions{status=\"");
    put(out, status_name(static_cast<SessionStatus>(st)));
    put(out, "\"} ");
    put(out, n);
    put(out, "\n");
  }
  put(out, "# HELP ringside_sessions_ended_total Game sessions ended, by end reason.\n");
  put(out, "# TYPE ringside_sessions_ended_total counter\n");
  for (size_t r = 1; r <= static_cast<size_t>(kLastEndReason); ++r) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < shards; ++i) n += runtime.published.players(i).sessions_ended[r].get();
    put(out, "ringside_sessions_ended_total{reason=\"");
    put(out, end_reason_name(static_cast<EndReason>(r)));
    put(out, "\"} ");
    put(out, n);
    put(out, "\n");
  }
  struct {
    const char* name;
    const char* help;
    Counter PlayerMetrics::*field;
  } const player_counters[] = {
      {"ringside_launches_accepted_total", "Launches answered 202.",
       &PlayerMetrics::launches_accepted},
      {"ringside_launches_rate_limited_total", "Launches refused with 429.",
       &PlayerMetrics::launches_rate_limited},
      {"ringside_launches_no_servers_total", "Launches refused with 503 no_servers.",
       &PlayerMetrics::launches_refused_no_servers},
      {"ringside_cross_shard_requests_total",
       "Requests forwarded to the shard owning the player (rate() gives per second).",
       &PlayerMetrics::forwarded_requests},
      {"ringside_node_forwarded_requests_total",
       "Requests forwarded to the node serving the player's partition.",
       &PlayerMetrics::node_forwarded_requests},
      {"ringside_node_forward_failures_total",
       "Forwarded requests answered 502, 503 or 504: that node refused, was unreachable or slow.",
       &PlayerMetrics::node_forward_failures},
      {"ringside_token_sessions", "Live token sessions.", &PlayerMetrics::token_sessions},
  };
  for (const auto& c : player_counters) {
    uint64_t n = 0;
    for (uint32_t i = 0; i < shards; ++i) n += (runtime.published.players(i).*c.field).get();
    put(out, "# HELP ");
    put(out, c.name);
    put(out, " ");
    put(out, c.help);
    put(out, "\n# TYPE ");
    put(out, c.name);
    put(out, std::string_view(c.name).ends_with("_total") ? " counter\n" : " gauge\n");
    put(out, c.name);
    put(out, " ");
    put(out, n);
    put(out, "\n");
  }

  const PlacementMetrics& pm = runtime.published.placement();
  put(out, "# HELP ringside_launches_queued Launches waiting for capacity now.\n");
  put(out, "# TYPE ringside_launches_queued gauge\nringside_launches_queued ");
  put(out, pm.launches_queued.get());
  put(out, "\n# HELP ringside_placements_total Placement decisions and outcomes.\n");
  put(out, "# TYPE ringside_placements_total counter\n");
  const std::pair<const char*, const Counter*> outcomes[] = {{"placed", &pm.placed},
                                                             {"queued", &pm.queued},
                                                             {"rejected", &pm.rejected},
                                                             {"failed", &pm.failed},
                                                             {"lost", &pm.lost}};
  for (const auto& [outcome, counter] : outcomes) {
    put(out, "ringside_placements_total{outcome=\"");
    put(out, outcome);
    put(out, "\"} ");
    put(out, counter->get());
    put(out, "\n");
  }

  render_queue(pm, out);

  put(out,
      "# HELP ringside_game_server_up 1 while a game server takes placements, 0 while down.\n");
  put(out, "# TYPE ringside_game_server_up gauge\n");
  for (size_t i = 0; i < runtime.servers.size(); ++i) {
    put(out, "ringside_game_server_up{server=\"");
    put(out, runtime.servers[i].name);
    put(out, "\"} ");
    put(out, pm.server_up[i].get());
    put(out, "\n");
  }
  put(out,
      "# HELP ringside_game_server_cordoned 1 while an operator keeps new placements off a game "
      "server (cordon or drain), else 0.\n");
  put(out, "# TYPE ringside_game_server_cordoned gauge\n");
  for (size_t i = 0; i < runtime.servers.size(); ++i) {
    put(out, "ringside_game_server_cordoned{server=\"");
    put(out, runtime.servers[i].name);
    put(out, "\"} ");
    put(out, pm.server_cordoned[i].get());
    put(out, "\n");
  }
  render_warm_metrics(runtime.catalog.games(), runtime.servers, pm, out);
  const CatalogMetrics& cm = runtime.published.catalog();
  put(out, "# HELP ringside_catalog_reloads_total Catalog reloads (SIGHUP) by result.\n");
  put(out, "# TYPE ringside_catalog_reloads_total counter\n");
  put(out, "ringside_catalog_reloads_total{result=\"ok\"} ");
  put(out, cm.reloads_ok.get());
  put(out, "\nringside_catalog_reloads_total{result=\"refused\"} ");
  put(out, cm.reloads_refused.get());
  put(out, "\n");

  const StoreMetrics& sm = runtime.published.store();
  put(out, "# HELP ringside_retention_swept_total Rows the retention sweep deleted.\n");
  put(out, "# TYPE ringside_retention_swept_total counter\n");
  put(out, "ringside_retention_swept_total{table=\"sessions\"} ");
  put(out, sm.sessions_swept.get());
  put(out, "\nringside_retention_swept_total{table=\"token_sessions\"} ");
  put(out, sm.tokens_swept.get());
  put(out, "\n");
  if (!runtime.config.node_id.empty()) render_cluster(sm, out);
  render_webhooks(runtime.published.webhooks(), out);

  const BackendMetrics& bm = runtime.published.backend();
  put(out, "# HELP ringside_saves_failed_total Stops whose save data was not kept, by reason.\n");
  put(out, "# TYPE ringside_saves_failed_total counter\n");
  for (size_t e = 1; e < kSaveErrorCount; ++e) {
    put(out, "ringside_saves_failed_total{reason=\"");
    put(out, save_error_code(static_cast<SaveError>(e)));
    put(out, "\"} ");
    put(out, bm.saves_failed[e].get());
    put(out, "\n");
  }
  put(out,
      "# HELP ringside_gameye_deletes_owed Gameye sessions whose DELETE failed and is sent "
      "again until Gameye confirms.\n");
  put(out, "# TYPE ringside_gameye_deletes_owed gauge\nringside_gameye_deletes_owed ");
  put(out, bm.gameye_deletes_owed.get());
  put(out, "\n");
  put(out,
      "# HELP ringside_backend_requests_total Calls to the backends (Docker engines, Gameye) "
      "by result: error is no HTTP answer or a 5xx.\n");
  put(out, "# TYPE ringside_backend_requests_total counter\n");
  constexpr std::string_view kBackendNames[] = {"docker", "gameye"};
  constexpr std::string_view kResults[] = {"ok", "error"};
  for (size_t b = 0; b < 2; ++b) {
    for (size_t r = 0; r < 2; ++r) {
      put(out, "ringside_backend_requests_total{backend=\"");
      put(out, kBackendNames[b]);
      put(out, "\",result=\"");
      put(out, kResults[r]);
      put(out, "\"} ");
      put(out, bm.requests[b][r].get());
      put(out, "\n");
    }
  }

  put(out, "# HELP ringside_bad_requests_total Malformed or over-limit requests.\n");
  put(out, "# TYPE ringside_bad_requests_total counter\n");
  uint64_t bad = 0;
  for (uint32_t i = 0; i < shards; ++i) bad += runtime.published.http(i).bad_requests.get();
  put(out, "ringside_bad_requests_total ");
  put(out, bad);
  put(out, "\n");
}

}  // namespace ringside

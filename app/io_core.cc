#include "app/io_core.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "api/routes.h"
#include "app/cluster_node.h"
#include "app/cpu_affinity.h"
#include "app/ended_sessions.h"
#include "app/make_backend.h"
#include "app/partition_source.h"
#include "app/server_cordons.h"
#include "app/webhook_outbox.h"
#include "backends/http/http_client.h"
#include "backends/webhook/webhook_sender.h"
#include "core/json_writer.h"
#include "core/log.h"
#include "core/reactor.h"
#include "model/messages.h"
#include "sched/session_placement.h"
#include "store/cluster/cluster_timing.h"
#include "store/durable/retention_sweep.h"
#include "store/durable/statements.h"
#include "store/durable/store_writer.h"
#include "store/pg/pg_poller.h"

namespace ringside {
namespace {

class IoCore {
 public:
  explicit IoCore(IoHandOff hand)
      : hand_(std::move(hand)),
        runtime_(hand_.runtime),
        reactor_(hand_.bus, runtime_.io_thread(), options(runtime_.config)),
        placement_(runtime_, hand_.placement_metrics, hand_.launches_accepted, reactor_.mailbox(),
                   reactor_.timers(), clock()),
        backend_(make_backend(runtime_, hand_.backend_metrics, reactor_, reactor_.timers(), clock(),
                              placement_)) {
    if (!backend_) {
      log_error("unknown_backend").kv("backend", runtime_.config.backend);
      _exit(1);
    }
    placement_.attach(*backend_);
    Mailbox& mailbox = reactor_.mailbox();
    mailbox.set_handler<&IoCore::on_ready_query>(this);
    mailbox.set_handler<&IoCore::on_store_write>(this);
    mailbox.set_handler<&IoCore::on_drained>(this);
    mailbox.set_handler<&IoCore::on_sigterm>(this);
    mailbox.set_handler<&IoCore::on_cluster_query>(this);
    mailbox.set_handler<&IoCore::on_fleet_command>(this);
    mailbox.set_handler<&IoCore::on_catalog_reload>(this);
    mailbox.set_handler<&IoCore::on_webhook_event_made>(this);
    if (!runtime_.config.webhook_urls.empty()) open_webhooks();
    mailbox.set_handler<&IoCore::on_backend_id_query>(this);
    mailbox.set_handler<&IoCore::on_operator_sessions_query>(this);
    leave_deadline_.core = this;
    leave_deadline_.on_fire = &IoCore::on_leave_deadline;
    reactor_.add_batch_end_hook(&IoCore::on_batch_end, this);
    if (!runtime_.config.database_url.empty()) open_store();
  }

  void run() {
    hand_.rings_ready.arrive_and_wait();
    // The operator's cordons before anything is recovered or placed.
    if (cordons_)
      cordons_->start(hand_.loaded ? hand_.loaded->cordons : std::vector<ServerCordon>{});
    if (hand_.loaded) {
      placement_.restore_profiles(hand_.loaded->profiles);
      // In a cluster the active sessions are recovered partition by partition, as this node
      // acquires them (app/cluster_node.h).
      if (!cluster_) placement_.recover(hand_.loaded->active);
      hand_.loaded.reset();
    }
    announce_static_routes();
    log_info("io_core_started")
        .kv("node", runtime_.config.node_id)
        .kv("backend", runtime_.config.backend);
    reactor_.run();
  }

 private:
  static Reactor::Options options(const Config& c) {
    Reactor::Options o;
    o.minimal_uring = c.uring_fallbacks;
    o.cq_entries = 8192;
    return o;
  }

  std::function<uint64_t()> clock() const {
    return [this] { return reactor_.now_ms(); };
  }

  // The PostgreSQL connection, the group-commit writer on it, the retention sweep beside it,
  // and the poller driving it (constructed in that order: the writer's and the sweep's
  // batch-end hooks must run before the poller's flush). Game profiles are written back as
  // they change.
  void open_store() {
    PgConnection::Options o;
    o.url = runtime_.config.database_url;
    o.prepared = durable_statements();
    // A batch unanswered this long means a sick database: the connection is dropped, its
    // requests refused (503) and its background writes retried after the reconnect, so no
    // client waits on a stuck commit for long. (Big batches take well under a second.)
    o.batch_timeout_ms = 5000;
    const bool cluster = !runtime_.config.node_id.empty();
    if (cluster) {
      // The partition locks live on this connection: a cut must be noticed within seconds,
      // not the default half a minute (docs/cluster.md, "Failures"). Keepalives while idle
      // (probes after 1 s, every 1 s, 3 missed), the user timeout while a batch waits
      // (unacknowledged data for 3 s), and a batch unanswered for 3 s.
      o.batch_timeout_ms = 3000;
      o.keepalives_idle_s = 1;
      o.keepalives_interval_s = 1;
      o.keepalives_count = 3;
      o.tcp_user_timeout_ms = 3000;
    }
    pg_ = std::make_unique<PgConnection>(std::move(o));
    writer_ = std::make_unique<StoreWriter>(reactor_, *pg_, runtime_.shard_count());
    if (cluster) {
      cluster_ =
          std::make_unique<ClusterNode>(runtime_, reactor_, *pg_, *writer_, placement_,
                                        hand_.store_metrics, database_partition_source(runtime_));
      // Placement and the backend go by the same partitions: placement places only what is
      // served here, and the backend judges (may remove as orphans) only those partitions'
      // containers. Set before any listing is judged: the backend asked for its listings at
      // its construction, and they are answered on this loop, which runs after this
      // constructor. A partition is served only once placement recovered its sessions into
      // the backend (ClusterNode::deliver), and no longer from the moment it is released.
      auto serves = [this](uint16_t p) { return cluster_->serves(p); };
      placement_.set_serves(serves);
      backend_->set_serves(serves);
    }
    // The writer first: at a loss it refuses what was queued before the partitions go.
    pg_->set_state_handler([this](PgConnection::State state, std::string_view why) {
      writer_->on_connection_state(state, why);
      if (cluster_) cluster_->on_connection_state(state, why);
      if (cordons_) cordons_->on_connection_state(state);
    });
    sweep_ = std::make_unique<RetentionSweep>(
        reactor_, *pg_, *writer_,
        static_cast<uint64_t>(runtime_.config.retention_sweep_interval_s * 1000),
        [](void* ctx, const RetentionSweep::Swept& swept) {
          StoreMetrics& m = *static_cast<StoreMetrics*>(ctx);
          m.sessions_swept.add(swept.sessions);
          m.tokens_swept.add(swept.tokens);
        },
        &hand_.store_metrics);
    if (webhooks_) {
      // In a cluster each node delivers the rows of the partitions it serves, those of a
      // partition it acquires included (docs/webhooks.md, "Cluster").
      std::function<bool(uint16_t)> serves;
      if (cluster_) serves = [this](uint16_t p) { return cluster_->serves(p); };
      outbox_ = std::make_unique<WebhookOutbox>(reactor_, *pg_, *writer_, *webhooks_,
                                                runtime_.config.node_id, std::move(serves));
      writer_->set_outbox_listener(
          [this](WebhookEvent&& event) { outbox_->on_committed(std::move(event)); });
      if (cluster_) {
        cluster_->set_serving_listener([this](uint16_t p, bool serving) {
          if (serving) {
            outbox_->partition_served(p);
          } else {
            outbox_->partition_left(p);
          }
        });
      }
    }
    ended_sessions_ = std::make_unique<EndedSessions>(runtime_, reactor_, *pg_);
    cordons_ = std::make_unique<ServerCordons>(runtime_, reactor_, *pg_, placement_, kHeartbeatMs);
    poller_ = std::make_unique<PgPoller>(reactor_, *pg_);
    poller_->start();
    placement_.set_profile_listener([this](uint32_t game, const ResourceProfile& p) {
      profile_intent_.begin(0, WriteClass::kBackground);
      profile_intent_.statement(kStmtUpsertProfile).text(runtime_.catalog.games()[game].slug);
      profile_intent_.number(p.cpu_cores).number(p.memory_mb);
      profile_intent_.integer(p.cpu_samples).integer(p.memory_samples);
      writer_->submit_own(profile_intent_.bytes());
    });
  }

  // The webhook sender (docs/webhooks.md) and its own HTTP client (a completion kind of its
  // own: the backends' client has kBackendCompletion).
  void open_webhooks() {
    const Config& c = runtime_.config;
    webhook_http_ = std::make_unique<HttpClient>(reactor_, kWebhookCompletion);
    WebhookSenderOptions o;
    o.urls = c.webhook_urls;
    o.secret = c.webhook_secret;
    o.memory_events = c.webhook_memory_events;
    o.durable = !c.database_url.empty();
    o.timeout_ms = static_cast<uint32_t>(c.webhook_timeout_s * 1000);
    o.node = c.node_id;
    auto post = [this](const std::string& url, std::vector<std::string> headers,
                       const std::string& body, uint32_t timeout_ms,
                       std::function<void(long)> done) {
      HttpRequest r;
      r.method = "POST";
      r.url = url;
      r.headers = std::move(headers);
      r.body = body;
      r.timeout_ms = timeout_ms;
      // A receiver's answer body is never used: dropped as it comes, whatever its size (a
      // limit would turn a 200 with a big page into status 0, a failure retried for 24 h).
      r.discard_body = true;
      webhook_http_->send(std::move(r),
                          [done = std::move(done)](HttpResponse&& a) { done(a.status); });
    };
    webhooks_ = std::make_unique<WebhookSender>(
        std::move(o), reactor_.timers(), [this] { return reactor_.now_ms(); },
        [this] { return reactor_.clock().unix_ms; }, std::move(post), hand_.webhook_metrics,
        [this](const WebhookEvent& event) {
          if (outbox_) outbox_->on_finished(event);
        });
  }

  // Without a database: an event from its owner shard.
  void on_webhook_event_made(const WebhookEventMade& m) {
    if (!webhooks_) return;
    WebhookEvent e;
    e.id = m.id;
    e.session = m.session;
    e.body = m.body;
    e.made_unix_ms = m.made_unix_ms;
    webhooks_->add(std::move(e));
  }

  // --static-routes: the node table and the partitions other nodes serve, sent to every shard
  // once, the way the ownership protocol sends them as ownership changes (docs/cluster.md).
  void announce_static_routes() {
    const std::vector<StaticRoute>& routes = runtime_.config.static_routes;
    if (routes.empty()) return;
    std::vector<PeerNode> nodes;
    PeerNode self{};
    snprintf(self.node_id, sizeof self.node_id, "self");
    snprintf(self.host, sizeof self.host, "%s", runtime_.config.listen_host.c_str());
    self.port = runtime_.config.listen_port;
    nodes.push_back(self);
    std::vector<PartitionRoutes> parts;
    for (const StaticRoute& r : routes) {
      uint16_t slot = 0;
      for (uint16_t i = 1; i < nodes.size(); ++i) {
        if (nodes[i].host == r.host && nodes[i].port == r.port) slot = i;
      }
      if (slot == 0) {
        PeerNode n{};
        n.slot = slot = static_cast<uint16_t>(nodes.size());
        snprintf(n.node_id, sizeof n.node_id, "static-%u", unsigned{slot});
        snprintf(n.host, sizeof n.host, "%s", r.host.c_str());
        n.port = r.port;
        nodes.push_back(n);
      }
      parts.push_back({r.first, r.count, slot});
    }
    for (uint32_t s = 0; s < runtime_.shard_count(); ++s) {
      for (const PeerNode& n : nodes) reactor_.mailbox().send(s, n);
      for (const PartitionRoutes& p : parts) reactor_.mailbox().send(s, p);
    }
    log_info("static_routes").kv("nodes", nodes.size() - 1).kv("ranges", parts.size());
  }

  uint32_t servers_up() const {
    uint32_t up = 0;
    for (uint32_t s = 0; s < placement_.scheduler().server_count(); ++s) {
      up += placement_.scheduler().server(s).up ? 1 : 0;
    }
    return up;
  }

  // After every shard drained: once every accepted write is committed (or the drain timeout
  // passed), the shards and this loop stop.
  static void on_batch_end(void* ctx) {
    auto* self = static_cast<IoCore*>(ctx);
    if (!self->finishing_) return;
    const bool written = !self->writer_ || self->writer_->idle();
    if (!written && self->reactor_.now_ms() < self->finish_deadline_ms_) return;
    if (!written) {
      log_warn("store_writes_unfinished").kv("queued", self->writer_->queued());
    }
    for (uint32_t s = 0; s < self->runtime_.shard_count(); ++s) {
      self->reactor_.mailbox().send(s, Stop{});
    }
    self->reactor_.stop();
    self->finishing_ = false;
  }

  void on_ready_query(uint32_t from, const ReadyQuery& q) {
    ReadyReply r{};
    r.ref = q.ref;
    r.ready = true;
    if (cluster_ && cluster_->leaving()) {
      // SIGTERM: the balancer stops sending here while the partitions are handed over.
      r.ready = false;
      snprintf(r.reason, sizeof r.reason, "leaving the cluster");
    } else if (cluster_ && cluster_->checking_save_root()) {
      // Not in the cluster yet: it may find its --save-root is not the others' and exit.
      r.ready = false;
      snprintf(r.reason, sizeof r.reason, "checking that --save-root is shared");
    } else if (pg_ && !pg_->ready()) {
      // What is down, not where it lives: libpq's text names hosts, ports and users, and
      // /readyz answers anyone. The store writer logs it once per outage.
      r.ready = false;
      snprintf(r.reason, sizeof r.reason, "database: %s",
               pg_->last_error().empty() ? "connecting" : "unavailable");
    } else if (servers_up() == 0) {
      r.ready = false;
      snprintf(r.reason, sizeof r.reason, "no game server is up (%s backend)",
               runtime_.config.backend.c_str());
    }
    reactor_.mailbox().send(from, r);
  }

  void on_store_write(uint32_t from, const StoreWrite& m) {
    if (writer_) writer_->submit(from, m.intent);
  }

  // Shard 0 took SIGTERM. One node: it drains every shard itself. In a cluster it asks here
  // first: /readyz says 503 at once, the partitions are handed over while this node still
  // serves and forwards, and then the drain runs as on one node. A hand-over that takes longer
  // than --drain-timeout is cut short: the drain runs anyway, and the others take what is left
  // once this node's connection closes.
  void on_sigterm(const Drain&) {
    if (!cluster_ || cluster_->leaving()) return;
    cluster_->leave([this] { drain_shards(); });
    reactor_.timers().arm(
        &leave_deadline_,
        reactor_.now_ms() + static_cast<uint64_t>(runtime_.config.drain_timeout_s * 1000));
  }

  static void on_leave_deadline(TimerNode* node) {
    IoCore* self = static_cast<LeaveTimer*>(node)->core;
    log_warn("cluster_leave_deadline").kv("node", self->runtime_.config.node_id);
    self->drain_shards();
  }

  void drain_shards() {
    if (std::exchange(drain_sent_, true)) return;
    reactor_.timers().cancel(&leave_deadline_);
    for (uint32_t s = 0; s < runtime_.shard_count(); ++s) reactor_.mailbox().send(s, Drain{});
  }

  // GET /cluster, authorized by the shard: the ownership protocol's last picture.
  void on_cluster_query(uint32_t from, const ClusterQuery& q) {
    cluster_body_.clear();
    ForwardReply r;
    r.ref = q.ref;
    r.route = kRouteCluster;
    JsonWriter w(cluster_body_);
    if (cluster_) {
      cluster_->write_json(w);
    } else {
      r.status = 404;
      w.begin_object().key("error").value("not_found");
      w.key("message").value("This node is not in cluster mode (--node-id).").end_object();
    }
    r.body = cluster_body_.view();
    reactor_.mailbox().send(from, r);
  }

  // /operator/servers and its cordon, uncordon and drain, authorized and checked by the shard;
  // answered with the server's item (every item for the listing). With a database a command
  // is answered once its row committed (app/server_cordons.h), 503 when it could not be.
  bool on_fleet_command(uint32_t from, const FleetCommand& m) {
    if (from >= runtime_.shard_count()) return false;
    const uint32_t servers = static_cast<uint32_t>(placement_.scheduler().server_count());
    if (m.action != FleetCommand::Action::kList && m.server >= servers) return false;
    if (cordons_ && m.action != FleetCommand::Action::kList) {
      cordons_->command(m.action, m.server, uint64_t{m.grace_seconds} * 1000,
                        [this, from, m](bool committed) { answer_fleet(from, m, committed); });
      return true;
    }
    switch (m.action) {
      case FleetCommand::Action::kList:
        break;
      case FleetCommand::Action::kCordon:
        placement_.set_cordoned(m.server, true);
        break;
      case FleetCommand::Action::kUncordon:
        placement_.set_cordoned(m.server, false);
        break;
      case FleetCommand::Action::kDrain:
        placement_.drain(m.server, uint64_t{m.grace_seconds} * 1000);
        break;
    }
    answer_fleet(from, m, true);
    return true;
  }

  // The answer to a fleet command: the item(s) as they are now; 503 when it was not written.
  void answer_fleet(uint32_t from, const FleetCommand& m, bool done) {
    const uint32_t servers = static_cast<uint32_t>(placement_.scheduler().server_count());
    fleet_body_.clear();
    JsonWriter w(fleet_body_);
    ForwardReply r;
    r.ref = m.ref;
    if (!done) {
      r.status = 503;
      r.headers = "Retry-After: 2\r\n";
      w.begin_object().key("error").value("unavailable");
      w.key("message").value("The database cannot take writes now; retry shortly.").end_object();
    }
    if (m.action == FleetCommand::Action::kList) {
      r.route = kRouteOperatorServers;
      w.begin_object().key("servers").begin_array();
      for (uint32_t s = 0; s < servers; ++s) placement_.write_server_json(w, s);
      w.end_array().end_object();
    } else {
      r.route = m.action == FleetCommand::Action::kCordon     ? kRouteOperatorServerCordon
                : m.action == FleetCommand::Action::kUncordon ? kRouteOperatorServerUncordon
                                                              : kRouteOperatorServerDrain;
      if (done) placement_.write_server_json(w, m.server);
    }
    r.body = fleet_body_.view();
    reactor_.mailbox().send(from, r);
  }

  // GET /operator/sessions/{id}: the backend's name for the session, back to its owner.
  bool on_backend_id_query(uint32_t from, const BackendIdQuery& q) {
    if (from >= runtime_.shard_count()) return false;
    BackendIdReply r;
    r.session = q.session;
    r.target = q.target;
    r.backend_id = backend_->backend_id(q.session);
    if (r.backend_id.size() > BackendIdReply::kMaxIdBytes) r.backend_id = {};
    reactor_.mailbox().send(from, r);
    return true;
  }

  // GET /operator/sessions with --database-url: the ended sessions, read from PostgreSQL.
  bool on_operator_sessions_query(uint32_t from, const OperatorSessionsQuery& m) {
    if (from >= runtime_.shard_count() || !ended_sessions_) return false;
    ended_sessions_->query(from, m);
    return true;
  }

  // SIGHUP (from shard 0): reread --catalog. The new snapshot is published for every thread
  // at once; placement takes in the games it appended. A file that cannot be read or parsed
  // is refused, and the catalog in use stays. Without --catalog there is nothing to reread.
  void on_catalog_reload(const CatalogReload&) {
    const std::string& path = runtime_.config.catalog_file;
    std::string error = path.empty() ? "no --catalog file: the built-in demo stays" : "";
    if (error.empty()) {
      std::optional<Catalog> file = Catalog::load(path, &error);
      if (file && hand_.catalog.reload(*file, &error)) {
        placement_.on_catalog_reloaded();
        hand_.catalog_metrics.reloads_ok.add();
        size_t active = 0;
        for (const Game& g : runtime_.catalog.games()) active += g.removed ? 0 : 1;
        log_info("catalog_reloaded")
            .kv("node", runtime_.config.node_id)
            .kv("path", path)
            .kv("games", active)
            .kv("removed", runtime_.catalog.games().size() - active);
        return;
      }
    }
    hand_.catalog_metrics.reloads_refused.add();
    log_error("catalog_reload_refused")
        .kv("node", runtime_.config.node_id)
        .kv("path", path)
        .kv("error", error);
  }

  void on_drained(const Drained&) {
    if (++drained_ == runtime_.shard_count()) {
      finishing_ = true;
      finish_deadline_ms_ =
          reactor_.now_ms() + static_cast<uint64_t>(runtime_.config.drain_timeout_s * 1000);
    }
  }

  IoHandOff hand_;
  const Runtime& runtime_;
  Reactor reactor_;
  SessionPlacement placement_;
  std::unique_ptr<Backend> backend_;          // reports to placement_, so destroyed before it
  std::unique_ptr<HttpClient> webhook_http_;  // webhooks_ holds callbacks into it
  std::unique_ptr<WebhookSender> webhooks_;
  std::unique_ptr<PgConnection> pg_;
  std::unique_ptr<StoreWriter> writer_;
  std::unique_ptr<ClusterNode> cluster_;  // cluster mode; reports to the writer and placement
  std::unique_ptr<RetentionSweep> sweep_;
  std::unique_ptr<WebhookOutbox> outbox_;  // with a database and webhooks
  std::unique_ptr<EndedSessions> ended_sessions_;
  std::unique_ptr<ServerCordons> cordons_;  // with a database
  std::unique_ptr<PgPoller> poller_;
  WriteIntentBuilder profile_intent_;
  struct LeaveTimer : TimerNode {
    IoCore* core = nullptr;
  };
  LeaveTimer leave_deadline_;
  bool drain_sent_ = false;
  ByteBuffer cluster_body_;
  ByteBuffer fleet_body_;
  uint32_t drained_ = 0;
  bool finishing_ = false;
  uint64_t finish_deadline_ms_ = 0;
};

}  // namespace

void run_io_core(IoHandOff hand) {
  name_current_thread("ringside-io");
  IoCore core(std::move(hand));
  core.run();
}

}  // namespace ringside

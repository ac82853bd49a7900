#include "app/shard.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "api/api.h"
#include "app/cpu_affinity.h"
#include "app/durable_boot.h"
#include "core/log.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "model/messages.h"

namespace ringside {
namespace {

HttpServerOptions http_options(const Config& c) {
  HttpServerOptions o;
  o.max_connections = c.max_connections;
  o.header_timeout_ms = static_cast<uint32_t>(c.header_timeout_s * 1000);
  o.body_timeout_ms = static_cast<uint32_t>(c.body_timeout_s * 1000);
  o.keepalive_timeout_ms = static_cast<uint32_t>(c.keepalive_timeout_s * 1000);
  o.max_output_backlog = c.max_output_backlog;
  o.buffer_budget = c.connection_buffer_budget;
  return o;
}

class Shard {
 public:
  explicit Shard(const ShardHandOff& hand)
      : hand_(hand),
        runtime_(hand.runtime),
        index_(hand.index),
        reactor_(hand.bus, hand.index, reactor_options(runtime_.config)),
        api_(runtime_, reactor_, hand.player_metrics),
        http_(reactor_, http_options(runtime_.config), api_, hand.http_metrics) {
    api_.attach(&http_);
    // In a cluster a partition's rows come from the I/O core once its lock is granted
    // (PartitionRows, docs/cluster.md), not all at start.
    if (!runtime_.config.database_url.empty() && runtime_.config.node_id.empty()) {
      restore_from_database();
    }
    reactor_.mailbox().set_handler<&Shard::on_drain>(this);
    reactor_.mailbox().set_handler<&Shard::on_stop>(this);
    reactor_.add_batch_end_hook(&Shard::on_batch_end, this);
    drain_deadline_.shard = this;
    drain_deadline_.on_fire = &Shard::on_drain_deadline;
  }

  ~Shard() {
    if (signal_fd_ >= 0) close(signal_fd_);
  }

  void run() {
    hand_.rings_ready.arrive_and_wait();
    int rc = http_.start(hand_.listen_fd);
    if (rc != 0) {
      log_error("shard_start_failed").kv("shard", index_).kv("error", strerror(-rc));
      _exit(1);
    }
    if (index_ == 0) watch_signals();
    log_debug("shard_started").kv("shard", index_).kv("io_uring", reactor_.features().describe());
    hand_.listening.count_down();
    reactor_.run();
  }

 private:
  // This shard's rows from the database, restored batch by batch as they are read.
  void restore_from_database() {
    std::string error;
    if (!load_shard_state(
            runtime_, index_, [this](ShardState& batch) { api_.players().restore(batch); },
            &error)) {
      log_error("database_unusable").kv("shard", index_).kv("error", error);
      _exit(1);
    }
  }

  static Reactor::Options reactor_options(const Config& c) {
    Reactor::Options o;
    o.minimal_uring = c.uring_fallbacks;
    return o;
  }

  void watch_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC);
    reactor_.set_completion_handler(kSignalCompletion, &Shard::on_signal, this);
    arm_signal_read();
  }

  void arm_signal_read() {
    io_uring_sqe* sqe = reactor_.sqe();
    io_uring_prep_read(sqe, signal_fd_, &signal_info_, sizeof signal_info_, 0);
    io_uring_sqe_set_data64(sqe, pack_user_data(kSignalCompletion, 0, 0));
  }

  static void on_signal(void* ctx, const io_uring_cqe& cqe) {
    auto* self = static_cast<Shard*>(ctx);
    if (cqe.res == static_cast<int>(sizeof self->signal_info_) &&
        self->signal_info_.ssi_signo == SIGHUP) {
      // The catalog is reread by the I/O core, which publishes it (docs/configuration.md).
      log_info("catalog_reload_requested").kv("node", self->runtime_.config.node_id);
      self->reactor_.mailbox().send(self->runtime_.io_thread(), CatalogReload{});
    } else if (cqe.res == static_cast<int>(sizeof self->signal_info_)) {
      const bool cluster = !self->runtime_.config.node_id.empty();
      if (cluster && !self->leaving_ && !self->draining_) {
        // A cluster node hands its partitions over first; the I/O core starts the drain
        // (Drain to every shard) once that is done.
        self->leaving_ = true;
        log_info("leave_started")
            .kv("node", self->runtime_.config.node_id)
            .kv("signal", strsignal(static_cast<int>(self->signal_info_.ssi_signo)));
        self->reactor_.mailbox().send(self->runtime_.io_thread(), Drain{});
      } else if (!self->draining_) {
        log_info("drain_started")
            .kv("signal", strsignal(static_cast<int>(self->signal_info_.ssi_signo)));
        for (uint32_t s = 1; s < self->runtime_.shard_count(); ++s) {
          self->reactor_.mailbox().send(s, Drain{});
        }
        self->begin_drain();
      } else {
        log_warn("drain_forced").kv("reason", "second signal");
        self->http_.close_all();
      }
    }
    self->arm_signal_read();
  }

  void begin_drain() {
    if (draining_) return;
    draining_ = true;
    api_.set_draining();
    http_.begin_drain();
    reactor_.timers().arm(
        &drain_deadline_,
        reactor_.now_ms() + static_cast<uint64_t>(runtime_.config.drain_timeout_s * 1000));
  }

  static void on_drain_deadline(TimerNode* node) {
    Shard* self = static_cast<DrainTimer*>(node)->shard;
    log_warn("drain_deadline").kv("shard", self->index_).kv("open", self->http_.open_connections());
    self->http_.close_all();
  }

  static void on_batch_end(void* ctx) {
    auto* self = static_cast<Shard*>(ctx);
    self->api_.players().publish_metrics();
    if (self->draining_ && !self->drained_reported_ && self->http_.open_connections() == 0) {
      self->drained_reported_ = true;
      // Every keepalive time and expiry that moved, however little: a clean restart loses none.
      self->api_.players().flush_lazy_writes(PlayerApi::LazyWrites::kEveryMoved);
      self->reactor_.timers().cancel(&self->drain_deadline_);
      self->reactor_.mailbox().send(self->runtime_.io_thread(), Drained{});
    }
  }

  void on_drain(const Drain&) { begin_drain(); }
  void on_stop(const Stop&) { reactor_.stop(); }

  const ShardHandOff& hand_;
  const Runtime& runtime_;
  uint32_t index_;
  Reactor reactor_;
  Api api_;
  HttpServer http_;
  struct DrainTimer : TimerNode {
    Shard* shard = nullptr;
  };
  DrainTimer drain_deadline_;
  int signal_fd_ = -1;
  signalfd_siginfo signal_info_{};
  bool leaving_ = false;  // cluster mode: SIGTERM taken, the I/O core hands partitions over
  bool draining_ = false;
  bool drained_reported_ = false;
};

}  // namespace

void run_shard(const ShardHandOff& hand, const std::vector<int>& cpus) {
  const uint32_t index = hand.index;
  pin_current_thread(cpus, index);
  name_current_thread(("ringside-s" + std::to_string(index)).c_str());
  Shard shard(hand);
  shard.run();
}

}  // namespace ringside

#include "app/server_cordons.h"

#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>

#include "core/log.h"
#include "store/durable/statements.h"

namespace ringside {

ServerCordons::ServerCordons(const Runtime& runtime, Reactor& reactor, PgConnection& connection,
                             SessionPlacement& placement, uint64_t round_ms)
    : runtime_(runtime),
      reactor_(reactor),
      connection_(connection),
      placement_(placement),
      round_ms_(round_ms),
      applied_(placement.scheduler().server_count()) {
  placement_.set_drain_confirm([this](uint32_t) { on_drain_due(); });
  round_.self = this;
  round_.on_fire = &ServerCordons::on_round;
  wait_.self = this;
  wait_.on_fire = &ServerCordons::on_wait_expired;
}

ServerCordons::~ServerCordons() {
  placement_.set_drain_confirm(nullptr);
  reactor_.timers().cancel(&round_);
  reactor_.timers().cancel(&wait_);
}

void ServerCordons::start(const std::vector<ServerCordon>& rows) {
  converge(rows);
  reactor_.timers().arm(&round_, reactor_.now_ms() + round_ms_);
}

void ServerCordons::on_round(TimerNode* node) {
  ServerCordons* self = static_cast<SelfTimer*>(node)->self;
  self->read();
  self->reactor_.timers().arm(&self->round_, self->reactor_.now_ms() + self->round_ms_);
}

void ServerCordons::on_drain_due() {
  // A read already on its way may have been sent before the deadline: its answer re-arms the
  // timer (the deadline not passed by the database's clock), which fires again and asks anew.
  read();
}

void ServerCordons::command(FleetCommand::Action action, uint32_t server, uint64_t grace_ms,
                            std::function<void(bool committed)> done) {
  if (connection_.state() == PgConnection::State::kDown) {
    done(false);  // between attempts: refused at once, as the shards refuse writes then
    return;
  }
  waiting_.push_back({action, server, grace_ms, std::move(done), reactor_.now_ms() + kWaitMs});
  send_waiting();
}

void ServerCordons::on_connection_state(PgConnection::State state) {
  if (state == PgConnection::State::kReady) send_waiting();
}

void ServerCordons::send_waiting() {
  while (!waiting_.empty() && connection_.ready()) {
    Command c = std::move(waiting_.front());
    waiting_.pop_front();
    write(std::move(c));
  }
  if (waiting_.empty()) {
    reactor_.timers().cancel(&wait_);
  } else {
    reactor_.timers().arm(&wait_, waiting_.front().until_ms);
  }
}

void ServerCordons::on_wait_expired(TimerNode* node) {
  ServerCordons* self = static_cast<SelfTimer*>(node)->self;
  const uint64_t now = self->reactor_.now_ms();
  while (!self->waiting_.empty() && self->waiting_.front().until_ms <= now) {
    Command c = std::move(self->waiting_.front());
    self->waiting_.pop_front();
    log_warn("game_server_cordon_not_written")
        .kv("node", self->runtime_.config.node_id)
        .kv("server", self->runtime_.servers[c.server].name)
        .kv("why", "the database was not ready in time");
    c.done(false);
  }
  self->send_waiting();
}

void ServerCordons::write(Command&& command) {
  const FleetCommand::Action action = command.action;
  const uint32_t server = command.server;
  const uint64_t grace_ms = command.grace_ms;
  const StatementId statement = action == FleetCommand::Action::kCordon     ? kStmtCordonServer
                                : action == FleetCommand::Action::kUncordon ? kStmtUncordonServer
                                                                            : kStmtDrainServer;
  auto done = std::make_shared<std::function<void(bool)>>(std::move(command.done));
  auto on_done = [this, action, server, grace_ms, done](const PgError* error) {
    if (error) {
      log_warn("game_server_cordon_not_written")
          .kv("node", runtime_.config.node_id)
          .kv("server", runtime_.servers[server].name)
          .kv("connection_lost", error->kind == PgError::Kind::kConnection ? 1 : 0)
          .kv("sqlstate", error->sqlstate);
      (*done)(false);
      return;
    }
    Applied want;
    switch (action) {
      case FleetCommand::Action::kCordon:
        want = applied_[server];  // a drain under way stays
        want.cordoned = true;
        break;
      case FleetCommand::Action::kUncordon:
        break;
      case FleetCommand::Action::kDrain:
      case FleetCommand::Action::kList:
        want = {true, true, reactor_.now_ms() + grace_ms};
        break;
    }
    apply(server, want, false);
    (*done)(true);
  };
  if (!connection_.begin(on_done)) {
    (*done)(false);
    return;
  }
  PgParams params;
  params.add(std::string_view(runtime_.servers[server].name));
  if (statement == kStmtDrainServer) params.add(static_cast<int64_t>(grace_ms));
  connection_.execute(statement, params);
  connection_.commit();
}

void ServerCordons::read() {
  if (reading_ || !connection_.ready()) return;
  if (!connection_.begin([this](const PgError* error) {
        if (error) reading_ = false;  // read again next round
      })) {
    return;
  }
  reading_ = true;
  connection_.execute(kStmtReadCordons, {}, [this](const PgResult* r, const PgError*) {
    reading_ = false;
    if (!r) return;
    const uint64_t now = reactor_.now_ms();
    std::vector<ServerCordon> rows(static_cast<size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) {
      ServerCordon& c = rows[static_cast<size_t>(i)];
      c.server = r->text(i, 0);
      c.draining = r->text(i, 1) == "t";
      c.deadline_mono_ms = now + std::strtoull(std::string(r->text(i, 2)).c_str(), nullptr, 10);
    }
    converge(rows);
  });
  connection_.commit();
}

void ServerCordons::converge(const std::vector<ServerCordon>& rows) {
  std::vector<Applied> want(applied_.size());
  for (const ServerCordon& row : rows) {
    size_t s = 0;
    while (s < runtime_.servers.size() && runtime_.servers[s].name != row.server) ++s;
    if (s >= want.size()) {
      bool logged = false;
      for (const std::string& name : unknown_logged_) logged = logged || name == row.server;
      if (!logged) {
        unknown_logged_.push_back(row.server);
        log_warn("game_server_cordon_unknown")
            .kv("node", runtime_.config.node_id)
            .kv("server", row.server)
            .kv("why", "not in this node's fleet: ignored");
      }
      continue;
    }
    want[s] = {true, row.draining, row.deadline_mono_ms};
  }
  // Sessions adopted after a deadline passed are stopped where they are adopted
  // (SessionPlacement::recover, on_relocated), not here each round.
  for (uint32_t s = 0; s < want.size(); ++s) apply(s, want[s], true);
}

void ServerCordons::apply(uint32_t server, const Applied& want, bool read_back) {
  Applied& have = applied_[server];
  if (!want.cordoned) {
    if (placement_.cordoned(server)) placement_.set_cordoned(server, false);
    have = {};
    return;
  }
  if (!placement_.cordoned(server)) placement_.set_cordoned(server, true);
  if (!want.draining) {
    if (have.draining) placement_.cancel_drain(server);
  } else {
    const uint64_t now = reactor_.now_ms();
    const bool both_passed = have.deadline_ms <= now && want.deadline_ms <= now;
    const uint64_t apart = have.deadline_ms > want.deadline_ms
                               ? have.deadline_ms - want.deadline_ms
                               : want.deadline_ms - have.deadline_ms;
    // A drain whose timer fired waits for a read (on_drain_due): this one, read after every
    // commit made before it, stops the sessions if the deadline has passed by the database's
    // clock, or re-arms the timer if it has not (moved, or this node's clock runs ahead).
    const bool confirms = read_back && placement_.drain_due(server);
    if (!have.draining || confirms || (!both_passed && apart > kDeadlineSlackMs)) {
      placement_.drain_at(server, want.deadline_ms);
    }
  }
  have = want;
}

}  // namespace ringside

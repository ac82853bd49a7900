// A database URL whose host is a name: looked up off the loop (PgResolver), then connected to
// by address. Against a real PostgreSQL (tools/pg-env), which listens on 127.0.0.1.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/message_bus.h"
#include "core/reactor.h"
#include "store/pg/pg_connection.h"
#include "store/pg/pg_poller.h"
#include "tests/pg/pg_test_env.h"

namespace ringside {
namespace {

using pgtest::BatchOutcome;
using pgtest::PgLoop;
using State = PgConnection::State;

// The cluster's URL (postgres://user:password@127.0.0.1:port/db) with another host.
std::string url_with_host(const std::string& url, const std::string& host) {
  std::string out = url;
  size_t at = out.find('@') + 1;
  out.replace(at, out.find(':', at) - at, host);
  return out;
}

TEST(PgHostLookupTest, HostNameConnectsAndQueries) {
  PgLoop loop(pgtest::test_options(url_with_host(pgtest::cluster_url(), "localhost")));
  ASSERT_TRUE(loop.start()) << loop.conn().last_error();
  std::string server;
  BatchOutcome outcome;
  ASSERT_TRUE(loop.conn().begin(outcome.callback()));
  loop.conn().query("SELECT host(inet_server_addr())", {}, [&](const PgResult* r, const PgError*) {
    if (r) server = r->text(0, 0);
  });
  loop.conn().commit();
  ASSERT_TRUE(loop.run_until([&] { return outcome.done; }));
  EXPECT_FALSE(outcome.failed) << outcome.error.message;
  EXPECT_EQ(server, "127.0.0.1");
}

// A ticker armed next to the connection: how late it ever fired, while lookups kept failing.
struct Ticker : TimerNode {
  Reactor* reactor = nullptr;
  uint64_t period_ms = 10;
  uint64_t ticks = 0;
  uint64_t worst_late_ms = 0;
};

TEST(PgHostLookupTest, UnresolvableHostFailsRetriesAndNeverStallsTheLoop) {
  PgConnection::Options options =
      pgtest::test_options(url_with_host(pgtest::cluster_url(), "nonexistent.invalid"));
  options.connect_timeout_ms = 1000;  // bounds an attempt whose lookup hangs (no DNS at all)
  PgConnection conn(std::move(options));
  std::vector<std::string> down_reasons;
  conn.set_state_handler([&](State state, std::string_view why) {
    if (state == State::kDown) down_reasons.emplace_back(why);
  });

  MessageBus bus(1, 1 << 16);
  Reactor reactor(bus, 0, pgtest::test_reactor_options());
  PgPoller poller(reactor, conn);

  Ticker ticker;
  ticker.reactor = &reactor;
  ticker.on_fire = [](TimerNode* node) {
    auto* t = static_cast<Ticker*>(node);
    uint64_t now = t->reactor->now_ms();
    t->worst_late_ms = std::max(t->worst_late_ms, now - t->deadline_ms);
    ++t->ticks;
    t->reactor->timers().arm(t, now + t->period_ms);
  };
  reactor.timers().arm(&ticker, reactor.now_ms() + ticker.period_ms);

  struct Stop : TimerNode {
    Reactor* reactor = nullptr;
  } stop;
  stop.reactor = &reactor;
  stop.on_fire = [](TimerNode* node) { static_cast<Stop*>(node)->reactor->stop(); };
  reactor.timers().arm(&stop, reactor.now_ms() + 10000);
  // Three failed lookups, and at least five ticks to judge the loop by (the lookups of a
  // ".invalid" name fail in milliseconds; on a busy machine three can take fewer ticks).
  struct Context {
    Reactor* reactor;
    std::vector<std::string>* down_reasons;
    const Ticker* ticker;
  } context{&reactor, &down_reasons, &ticker};
  reactor.add_batch_end_hook(
      [](void* ctx) {
        auto* c = static_cast<Context*>(ctx);
        if (c->down_reasons->size() >= 3 && c->ticker->ticks >= 5) c->reactor->stop();
      },
      &context);

  poller.start();
  reactor.run();
  reactor.timers().cancel(&ticker);
  reactor.timers().cancel(&stop);

  ASSERT_GE(down_reasons.size(), 3u) << "no retries";
  for (const std::string& why : down_reasons) {
    EXPECT_NE(why.find("resolv"), std::string::npos) << why;
    EXPECT_NE(why.find("\"nonexistent.invalid\""), std::string::npos) << why;
  }
  EXPECT_FALSE(conn.ready());
  EXPECT_EQ(conn.last_error(), down_reasons.back());
  RecordProperty("ticks", std::to_string(ticker.ticks));
  RecordProperty("worst_late_ms", std::to_string(ticker.worst_late_ms));
  // A lookup on the loop would hold it for the resolver's timeout; ticks are 10 ms.
  EXPECT_LT(ticker.worst_late_ms, 250u);
}

// Destroyed with its lookup in flight: glibc must not write into the freed connection (run
// under ASan to see it), and nothing else goes wrong.
TEST(PgHostLookupTest, DestroyedWhileLookingUp) {
  for (int i = 0; i < 50; ++i) {
    auto conn = std::make_unique<PgConnection>(
        pgtest::test_options(url_with_host(pgtest::cluster_url(), "nonexistent.invalid")));
    conn->start(pgtest::now_ms());
    EXPECT_EQ(conn->state(), State::kConnecting);
    EXPECT_EQ(conn->fd(), -1);  // nothing for the loop to watch until the lookup is done
  }
}

}  // namespace
}  // namespace ringside

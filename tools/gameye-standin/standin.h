#pragma once
// The stand-in's request handler: Gameye's session endpoints over a SessionTable, with the
// misbehaviour tests ask for (a start delay, starts that fail, launches never answered,
// DELETEs answered 503, running sessions that die on request), and GET /_standin/stats for
// tests to read back what happened.
//
// One thread, one reactor: launches that wait out the start delay are answered later through
// HttpServer::complete(), from a timer on the reactor's wheel.
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <string_view>

#include "core/byte_buffer.h"
#include "core/reactor.h"
#include "http/http_server.h"
#include "http/router.h"
#include "tools/gameye-standin/gameye_error.h"
#include "tools/gameye-standin/options.h"
#include "tools/gameye-standin/request_stats.h"
#include "tools/gameye-standin/sessions.h"

namespace ringside::gameye_standin {

class Standin : public RequestHandler {
 public:
  Standin(Reactor& reactor, const StandinOptions& options);
  Standin(const Standin&) = delete;
  Standin& operator=(const Standin&) = delete;

  // The server that answers for us; needed before the first request.
  void attach(HttpServer* http) { http_ = http; }

  bool handle(const Request& request, ConnRef ref, Reply& reply) override;

 private:
  enum Route : uint16_t { kCreate, kList, kDescribe, kStop, kStats, kBefall };

  // A launch waiting out the start delay. `waiting` is false once nobody is to be answered:
  // the launch hung, or a DELETE already answered it.
  struct PendingStart {
    uint64_t due_ms = 0;  // reactor (monotonic) clock
    Session* session = nullptr;
    ConnRef ref;
    bool waiting = false;
    bool fails = false;  // drawn on arrival
  };
  struct StartTimer : TimerNode {
    Standin* owner = nullptr;
  };
  // A listing taken on arrival, answered after --list-delay-ms.
  struct PendingList {
    uint64_t due_ms = 0;
    ConnRef ref;
    std::string body;
  };

  // Each returns true when `reply` holds the answer, false when it comes later or never.
  bool create(const Request& request, ConnRef ref, Reply& reply);
  bool list(const Request& request, ConnRef ref, Reply& reply);
  static void on_list_timer(TimerNode* node);
  void describe(const Request& request, std::string_view id, Reply& reply);
  void stop(const Request& request, std::string_view id, Reply& reply);
  void render_stats(Reply& reply);
  // Test-only: a running session ends as `outcome` says (exited, dead, server_unreachable,
  // vanished) without a DELETE.
  void befall(const Request& request, std::string_view id, std::string_view outcome, Reply& reply);

  // The start delay ran out (or there is none): the session runs, or fails as drawn on
  // arrival. Answers the launch when someone waits for it.
  void finish_start(const PendingStart& pending);
  static void on_start_timer(TimerNode* node);
  void arm_start_timer();
  // A launch's answer: 200 with host and ports, or `error` (420) when it is not null.
  void render_launch(Reply& reply, const Session& session, const GameyeError* error);
  // Answers a launch that handle() took for later.
  void answer_later(ConnRef ref, const Session& session, const GameyeError* error);

  void render_error(Reply& reply, const GameyeError& error, std::string_view path,
                    std::span<const Violation> violations = {});
  bool authorized(std::string_view authorization) const;
  bool draw(double rate);

  Reactor& reactor_;
  const StandinOptions& options_;
  HttpServer* http_ = nullptr;
  Router router_;
  SessionTable sessions_;
  RequestStats stats_;
  // Oldest first; due times never decrease, since every launch waits the same delay.
  std::deque<PendingStart> pending_;
  StartTimer start_timer_;
  ByteBuffer later_body_;  // bodies of answers given through HttpServer::complete()
  std::mt19937_64 rng_;
  uint64_t next_trace_ = 1;
  // What is left of --unavailable-first, --fail-first, --hang-first.
  uint32_t unavailable_left_ = 0;
  uint32_t fail_left_ = 0;
  uint32_t hang_left_ = 0;
  uint32_t delete_unavailable_left_ = 0;   // of --delete-unavailable-first
  uint32_t list_unavailable_left_ = 0;     // of --list-unavailable-first
  std::deque<PendingList> pending_lists_;  // oldest first, as pending_
  StartTimer list_timer_;
};

}  // namespace ringside::gameye_standin

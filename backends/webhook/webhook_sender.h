#pragma once
// Webhook delivery on the I/O core (docs/webhooks.md). Every URL gets every event, at least
// once: a 2xx answer is a delivery; anything else, or no answer within the timeout, is retried
// after 1 s, 2 s, 4 s ... (capped at 10 min) until 24 h after the first attempt, then given up
// (counted, logged). One session's events reach a URL in order: the next waits until the one
// before it was delivered to that URL (or given up). Each URL has at most
// `concurrency_per_url` requests in flight; URLs never wait for each other.
//
// Memory: at most `memory_events` events are held. Past it, with a database, add() refuses
// (the event stays in the outbox, and the owner reads it back once room() says there is room);
// without one, the oldest event held is dropped and counted — delivery is best effort past the
// cap.
//
// The HTTP exchange is the caller's (`Post`: the I/O core's HttpClient; a fake in the tests),
// and so is time: retries wait on the TimerWheel given, against `now_ms` (its clock); the
// signature's timestamp is `unix_ms` of the attempt.
#include <bitset>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/timer_wheel.h"
#include "model/metrics/webhook_metrics.h"
#include "model/partition.h"
#include "model/webhook_event.h"

namespace ringside {

struct WebhookSenderOptions {
  std::vector<std::string> urls;
  std::string secret;
  size_t memory_events = 10000;
  bool durable = false;  // a database holds what memory cannot (see above)
  uint32_t timeout_ms = 10000;
  uint32_t concurrency_per_url = 64;
  uint64_t first_retry_ms = 1000;
  uint64_t max_retry_ms = 600000;
  uint64_t give_up_after_ms = uint64_t{24} * 3600 * 1000;
  std::string node;  // for the logs
};

// The wait after the `failures`-th failed attempt in a row: first, doubling, capped.
uint64_t webhook_retry_delay_ms(uint32_t failures, uint64_t first_ms, uint64_t max_ms);

class WebhookSender {
 public:
  // One POST of `body` with `headers`; `done` once, later, with the HTTP status (0: no answer).
  using Post = std::function<void(const std::string& url, std::vector<std::string> headers,
                                  const std::string& body, uint32_t timeout_ms,
                                  std::function<void(long status)> done)>;
  // Delivered to every URL (or given up for some): its outbox row can go.
  using Finished = std::function<void(const WebhookEvent& event)>;

  WebhookSender(WebhookSenderOptions options, TimerWheel& timers, std::function<uint64_t()> now_ms,
                std::function<int64_t()> unix_ms, Post post, WebhookMetrics& metrics,
                Finished finished);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Takes an event to deliver. False only with a database when memory is full: not taken.
  // An event whose id is held already is taken as delivered-to-be (true, nothing added).
  bool add(WebhookEvent event);
  // In a cluster, these partitions are no longer served here (lost, or handed over): their
  // events leave memory unfinished — their outbox rows stay for the node serving them next.
  // One pass over the events held, however many partitions left at once (a lost connection
  // loses them all). An attempt already in flight is not recalled (its answer is ignored, as
  // for drop_oldest): that event may reach a URL from both nodes, with the same id. Returns how
  // many events left.
  size_t drop_partitions(const std::bitset<kPartitionCount>& partitions);
  size_t held() const { return events_.size(); }
  size_t room() const {
    return events_.size() < options_.memory_events ? options_.memory_events - events_.size() : 0;
  }

 private:
  struct Target;
  // One session's events on the way to one URL, oldest first.
  struct Lane : TimerNode {
    WebhookSender* sender = nullptr;
    Target* target = nullptr;
    std::string session;
    std::deque<uint64_t> keys;      // into events_
    uint64_t sent_key = 0;          // the attempt in flight is of this event
    uint64_t first_attempt_ms = 0;  // of the head event; 0: not tried yet
    uint32_t failures = 0;          // of the head event, in a row
    bool in_flight = false;
    bool queued = false;  // in target->ready
  };
  struct Target {
    std::string url;
    // For the logs: its index in options.urls (--webhook-url, from 0) and its
    // scheme://host:port only — a URL often carries credentials (model/url_origin.h).
    uint64_t index = 0;
    std::string origin;
    std::unordered_map<std::string, Lane> lanes;  // by session (nodes are stable)
    std::deque<Lane*> ready;
    uint32_t in_flight = 0;
  };
  struct Held {
    WebhookEvent event;
    uint32_t urls_left = 0;
  };

  static void on_retry(TimerNode* node);
  void pump(Target& t);
  void attempt(Lane& lane);
  void on_answer(Lane& lane, long status);
  // The head of `lane` is done for its URL (delivered or given up): the next one goes.
  void advance(Lane& lane);
  void make_ready(Lane& lane);
  void erase_if_idle(Lane& lane);
  void drop_oldest();
  // Forgets the held event at `it` (not finished: its row, if any, stays), from every lane.
  void forget(std::map<uint64_t, Held>::iterator it);
  void publish();

  WebhookSenderOptions options_;
  TimerWheel& timers_;
  std::function<uint64_t()> now_ms_;
  std::function<int64_t()> unix_ms_;
  Post post_;
  WebhookMetrics& metrics_;
  Finished finished_;
  std::vector<Target> targets_;
  std::map<uint64_t, Held> events_;  // by arrival: the oldest first
  std::unordered_set<std::string> ids_;
  uint64_t next_key_ = 1;
};

}  // namespace ringside
